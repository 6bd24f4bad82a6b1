"""What a run is made of: the scenario schema (pydantic) and scenario files (TOML, extends,
--set)."""
