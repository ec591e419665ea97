"""base.read_ahead: the next items are produced in a thread, but the caller sees the iterable as it is."""

import threading

from django.test import SimpleTestCase
from django.utils import translation
from django.utils.translation import gettext as _

from base.read_ahead import read_ahead


class ReadAheadTests(SimpleTestCase):
    def test_items_arrive_in_order_and_are_produced_in_another_thread(self):
        producers = set()

        def numbers():
            for n in range(50):
                producers.add(threading.current_thread().name)
                yield n

        self.assertEqual(list(read_ahead(numbers(), ahead=3)), list(range(50)))
        self.assertEqual(producers, {"read-ahead"})

    def test_an_error_is_raised_to_the_caller_after_the_items_before_it(self):
        def failing():
            yield 1
            yield 2
            raise ValueError("第3行格式错误")

        seen = []
        with self.assertRaisesMessage(ValueError, "第3行格式错误"):
            for item in read_ahead(failing()):
                seen.append(item)
        self.assertEqual(seen, [1, 2])

    def test_a_caller_leaving_early_stops_the_producer(self):
        produced = []

        def endless():
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1

        for item in read_ahead(endless(), ahead=2):
            if item == 3:
                break
        # The thread has ended (joined on leaving) and produced at most `ahead` + 2 beyond what was taken.
        self.assertFalse(any(t.name == "read-ahead" for t in threading.enumerate()))
        self.assertLessEqual(len(produced), 4 + 2 + 1)

    def test_messages_made_in_the_thread_are_in_the_callers_language(self):
        def messages():
            yield _("文件")

        with translation.override("en"):
            english = list(read_ahead(messages()))
        with translation.override("zh-hans"):
            chinese = list(read_ahead(messages()))
        self.assertEqual(chinese, ["文件"])
        self.assertNotEqual(english, chinese)
