import sys

data = [1, 2, 3]
print(sys.getrefcount(data))  # one for `data`, one for the call's own argument

alias = data
print(sys.getrefcount(data))  # one more: `alias`

del alias
print(sys.getrefcount(data))  # back again
