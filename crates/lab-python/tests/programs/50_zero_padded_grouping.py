for w in range(1,12): print(w, repr(format(42, f'0{w}_')), repr(format(-1234, f'0{w},')), repr(format(1234.5, f'0{w},.1f')))
