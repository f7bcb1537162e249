"""Models of the ${NAMES[$m]} programme."""
