print("%s has %d items costing %.2f" % ("cart", 3, 9.5), "%5d|%-5s|%r" % (42, "ab", "x"), "100%%" % ())
