# with and async with: an error while storing the target or in the body reaches __exit__/__aexit__.
import asyncio
class CM:
    def __enter__(self): return 1
    def __exit__(self, t, v, tb):
        print("exit called with", t.__name__ if t else None)
        return True
    async def __aenter__(self): return 1
    async def __aexit__(self, t, v, tb):
        print("aexit called with", t.__name__ if t else None)
        return True
with CM() as (a, b):
    print("not reached")
print("after with")
with CM():
    print(1 / 0)
async def main():
    async with CM() as (a, b):
        print("not reached")
    async with CM():
        print(1 / 0)
    print("after async with")
asyncio.run(main())
