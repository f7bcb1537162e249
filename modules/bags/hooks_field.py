"""Registrations of the field side (batches, labels, binding, collection)."""
