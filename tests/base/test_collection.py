"""base.collection: the objects older than a bulk block are left out of the collector's passes for the block only."""

import gc
import weakref

from django.test import SimpleTestCase

from base.collection import older_objects_set_aside


class _Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


class OlderObjectsSetAsideTests(SimpleTestCase):
    def setUp(self):
        # A test runner or server that froze its own objects would make the block stand aside: not the case here.
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_an_older_cycle_waits_for_the_block_to_end_while_a_new_one_is_collected(self):
        older = _Node()
        older_ref = weakref.ref(older)
        with older_objects_set_aside():
            self.assertGreater(gc.get_freeze_count(), 0)
            newer = _Node()
            newer_ref = weakref.ref(newer)
            del older, newer
            gc.collect()
            self.assertIsNone(newer_ref())  # the block's own garbage is collected as usual
            self.assertIsNotNone(older_ref())  # set aside: not traversed, not freed
        self.assertEqual(gc.get_freeze_count(), 0)
        gc.collect()
        self.assertIsNone(older_ref())  # handed back: freed by the next collection

    def test_the_objects_are_handed_back_when_the_block_raises(self):
        with self.assertRaisesMessage(ValueError, "第3行格式错误"), older_objects_set_aside():
            raise ValueError("第3行格式错误")
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_objects_frozen_by_someone_else_stay_frozen(self):
        theirs = _Node()
        theirs_ref = weakref.ref(theirs)
        gc.freeze()
        try:
            with older_objects_set_aside():
                pass
            self.assertGreater(gc.get_freeze_count(), 0)
            del theirs
            gc.collect()
            self.assertIsNotNone(theirs_ref())  # still set aside: the block did not hand it back
        finally:
            gc.unfreeze()
        gc.collect()
        self.assertIsNone(theirs_ref())
