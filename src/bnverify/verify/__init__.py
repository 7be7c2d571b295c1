"""The verification engine: statements and their kinds, examples, parameter spaces, searchers (Hypothesis,
Sobol sweep, CMA-ES hunt), adjudication on the precision ladder, campaign planning, the one orchestrator and
its runners (in-process, Dask), records and campaign results, the registry of theorem folders, the results
store, certification, the pytest glue. Imports numerics and regimes, never report or cli."""
