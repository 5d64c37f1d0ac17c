# queue for the lab's Python: FIFO and LIFO queues built on threading.Condition.
import threading
import time


class Empty(Exception):
    pass


class Full(Exception):
    pass


class Queue:
    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._items = []
        self.mutex = threading.Lock()
        self.not_empty = threading.Condition(self.mutex)
        self.not_full = threading.Condition(self.mutex)
        self.all_tasks_done = threading.Condition(self.mutex)
        for cond in (self.not_empty, self.not_full, self.all_tasks_done):
            cond._kind = "queue"
        self.unfinished_tasks = 0

    def _take(self):
        return self._items.pop(0)

    def _put(self, item):
        self._items.append(item)

    def qsize(self):
        return len(self._items)

    def empty(self):
        return len(self._items) == 0

    def full(self):
        return 0 < self.maxsize <= len(self._items)

    def put(self, item, block=True, timeout=None):
        with self.not_full:
            if self.maxsize > 0:
                if not block:
                    if len(self._items) >= self.maxsize:
                        raise Full
                elif timeout is None:
                    while len(self._items) >= self.maxsize:
                        self.not_full.wait()
                else:
                    deadline = time.monotonic() + timeout
                    while len(self._items) >= self.maxsize:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise Full
                        self.not_full.wait(left)
            self._put(item)
            self.unfinished_tasks += 1
            self.not_empty.notify()

    def get(self, block=True, timeout=None):
        with self.not_empty:
            if not block:
                if not self._items:
                    raise Empty
            elif timeout is None:
                while not self._items:
                    self.not_empty.wait()
            else:
                deadline = time.monotonic() + timeout
                while not self._items:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise Empty
                    self.not_empty.wait(left)
            item = self._take()
            self.not_full.notify()
            return item

    def put_nowait(self, item):
        return self.put(item, False)

    def get_nowait(self):
        return self.get(False)

    def task_done(self):
        with self.all_tasks_done:
            left = self.unfinished_tasks - 1
            if left < 0:
                raise ValueError("task_done() called too many times")
            self.unfinished_tasks = left
            if left == 0:
                self.all_tasks_done.notify_all()

    def join(self):
        with self.all_tasks_done:
            while self.unfinished_tasks:
                self.all_tasks_done.wait()


class LifoQueue(Queue):
    def _take(self):
        return self._items.pop()


class PriorityQueue(Queue):
    def _put(self, item):
        # Keep the items sorted; equal items keep their arrival order.
        i = len(self._items)
        while i > 0 and item < self._items[i - 1]:
            i -= 1
        self._items.insert(i, item)


class SimpleQueue(Queue):
    pass
