import sys
import sysconfig

built_without_gil = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
is_enabled = getattr(sys, "_is_gil_enabled", None)  # new in Python 3.13
gil_active = is_enabled() if is_enabled else True

print("free-threaded build:", built_without_gil)
print("GIL active right now:", gil_active)
