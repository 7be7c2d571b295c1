"""The regimes' mathematics: whitened square loss (tau, initial state, Lemma 7), Theorem 2/3 edges
(T_1, T_2), logistic geometry (Assumptions 1-4, Lemmas 4, 8-11, 14, Theorem 5 constants), trajectory
summaries. Imports only bnverify.numerics."""
