"""Oracle-world generators: `oracle`, `oracle+<violation>[:magnitude]`, `oracle~<nuisance>[:level]`."""
