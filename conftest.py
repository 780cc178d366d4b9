# The gateway's folder and its Python package share a name; importing the real package first keeps
# pytest's importlib mode from shadowing it with the folder when it collects gateway/tests.
import gateway  # noqa: F401
