"""Pure domain logic: data types and functions of their arguments, no I/O."""
