"""Monitor: concentration of AI resources, access per country, governance instruments, rule
gaps and AI incidents (issue 11). Pure functions over DataFrames from the warehouse read API;
:mod:`aicap.analysis.monitor.data` gathers those frames."""
