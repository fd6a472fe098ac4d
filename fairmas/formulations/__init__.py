"""What we optimize: one Pyomo model per objective. Formulations never call a solver."""
