print(int(1e300) == 10**300, int(1e20), int(-2.5e25), round(1e25), int(2.0**100) == 2**100)
import math
print(math.floor(1e30), math.ceil(-1e19))
