"""A service's refusal shown on the form that called it: on the field it names, else above the form."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import SimpleTestCase

from base.forms import add_service_error, save_valid


class RecordForm(forms.Form):
    jurisdiction = forms.CharField()
    title = forms.CharField()
    phone = forms.CharField(required=False)


def bound(**data):
    form = RecordForm({"jurisdiction": "碧海社区", "title": "宣讲", **data})
    assert form.is_valid()
    return form


class AddServiceErrorTests(SimpleTestCase):
    def test_a_named_field_gets_its_message(self):
        form = bound()
        add_service_error(form, ValidationError({"title": "标题重复。", "__all__": "该月已锁定。"}))
        self.assertEqual(form.errors["title"], ["标题重复。"])
        self.assertEqual(form.non_field_errors(), ["该月已锁定。"])

    def test_a_field_the_form_lacks_goes_above_the_form(self):
        form = bound()
        add_service_error(form, ValidationError({"due_on": "时限不对。"}))
        self.assertEqual(form.non_field_errors(), ["时限不对。"])

    def test_a_message_without_a_field_goes_above_the_form(self):
        form = bound()
        add_service_error(form, ValidationError(["第一条。", "第二条。"]))
        self.assertEqual(form.non_field_errors(), ["第一条。", "第二条。"])

    def test_a_model_field_edited_under_another_name(self):
        form = bound()
        add_service_error(
            form, ValidationError({"petitioner_phone": "号码不对。"}), field_names={"petitioner_phone": "phone"}
        )
        self.assertEqual(form.errors["phone"], ["号码不对。"])

    def test_a_refused_place_sits_on_the_jurisdiction_field(self):
        form = bound()
        add_service_error(form, PermissionDenied("您无权在该辖区录入或修改记录。"))
        self.assertEqual(form.errors["jurisdiction"], ["您无权在该辖区录入或修改记录。"])


class SaveValidTests(SimpleTestCase):
    def test_returns_what_the_service_returns(self):
        self.assertEqual(save_valid(bound(), lambda: "saved"), "saved")

    def test_an_invalid_form_never_calls_the_service(self):
        calls = []
        form = RecordForm({"jurisdiction": "碧海社区"})
        self.assertIsNone(save_valid(form, lambda: calls.append(1)))
        self.assertEqual(calls, [])

    def test_a_refusal_is_shown_and_nothing_returned(self):
        form = bound()

        def refuse():
            raise ValidationError({"title": "标题重复。"})

        self.assertIsNone(save_valid(form, refuse))
        self.assertEqual(form.errors["title"], ["标题重复。"])
