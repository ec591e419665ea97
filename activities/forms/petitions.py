"""Forms of petitions and disputes: register and edit, one small form per lifecycle step, list filters, ID lookup."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.forms import save_valid
from communities.choices import Action
from communities.models import Jurisdiction

from ..choices import PetitionKind, PetitionOutcome, PetitionStatus
from ..identity import validate_resident_id
from ..models import Petition
from ..models.petitions import MAX_EXTENSION_DAYS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PetitionForm(forms.ModelForm):
    """Register or edit a case. The phone and the ID number are write-only: an edit never sends them back."""

    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        required=False,
        help_text=_("18位，最后一位可为X；系统会核对校验位。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )

    # Form field → model field for the write-only personal data.
    PERSONAL = {"phone": "petitioner_phone", "id_number": "petitioner_id_number"}

    class Meta:
        model = Petition
        fields = [
            "jurisdiction",
            "kind",
            "received_on",
            "channel",
            "category",
            "is_group",
            "persons",
            "ethnic_factor",
            "summary",
            "petitioner_name",
            "assigned_department",
            "mediator",
            "mediated_on",
            "agreement_reached",
            "agreement_summary",
        ]
        widgets = {
            "received_on": DateInput(),
            "mediated_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "agreement_summary": forms.Textarea(attrs={"rows": 3}),
            "petitioner_name": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "persons": _("群体性事项填写人数（至少2人）。"),
            "agreement_summary": _("当事人达成的协议内容、履行方式和期限（人民调解法第二十九条）。"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = Jurisdiction.objects.for_user(user, Action.CHANGE)
        self.fields["jurisdiction"].queryset = places
        if not self.instance.pk:
            self.fields["received_on"].initial = timezone.localdate()
            only = list(places[:2])
            if len(only) == 1:
                self.fields["jurisdiction"].initial = only[0].pk
        else:
            # Editing: the current values are never put into the page; only a new value may be typed.
            self.fields["phone"].label = _("新联系电话")
            self.fields["phone"].help_text = _("当前：%(masked)s。留空则不变。") % {
                "masked": self.instance.petitioner_phone_masked or _("未登记")
            }
            self.fields["id_number"].label = _("新身份证号码")
            self.fields["id_number"].help_text = _("当前：%(masked)s。留空则不变；填写则核对校验位。") % {
                "masked": self.instance.petitioner_id_number_masked or _("未登记")
            }

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        validate_resident_id(value)
        return value

    def clean_phone(self):
        return self.cleaned_data["phone"].strip()

    def service_data(self):
        """Return the data for petition_register / petition_update: the model fields and any new personal data."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for form_name, model_name in self.PERSONAL.items():
            value = self.cleaned_data.get(form_name)
            if value or not self.instance.pk:
                data[model_name] = value or ""
        return data

    def save_through(self, save):
        """Call `save(data)` with `service_data()` once valid; a refusal goes on the field that edits what it names."""
        model_to_form = {model: form for form, model in self.PERSONAL.items()}
        return save_valid(self, lambda: save(self.service_data()), field_names=model_to_form)


class TransitionForm(forms.Form):
    """One lifecycle step: its date and a note; subclasses add what the step records."""

    to_status = None
    title = ""
    help = ""
    on_date_label = _("办理日期")
    button_class = ""

    on_date = forms.DateField(label=_("办理日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.to_status)
        super().__init__(*args, **kwargs)
        self.fields["on_date"].label = self.on_date_label
        self.fields["on_date"].initial = timezone.localdate()

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        return {"on_date": data.pop("on_date"), "note": data.pop("note", ""), **data}


class AcceptForm(TransitionForm):
    to_status = PetitionStatus.ACCEPTED
    title = _("受理")
    help = _("登记之日起15日内决定是否受理（信访工作条例第二十二、二十三条）。")
    on_date_label = _("受理日期")
    button_class = "primary"
    assigned_department = forms.CharField(label=_("承办部门"), max_length=100, required=False)


class RejectForm(TransitionForm):
    to_status = PetitionStatus.REJECTED
    title = _("不予受理")
    help = _("须写明理由，并书面告知信访人。")
    on_date_label = _("决定日期")
    button_class = "danger"
    rejection_reason = forms.CharField(label=_("不予受理理由"), widget=forms.Textarea(attrs={"rows": 2}))


class HandleForm(TransitionForm):
    to_status = PetitionStatus.HANDLING
    title = _("转入办理")
    help = _("自受理之日起60日内办结（第三十四条）。")
    on_date_label = _("转办日期")
    assigned_department = forms.CharField(
        label=_("承办部门"), max_length=100, required=False, help_text=_("已填写的可不再填写。")
    )


class ExtendForm(TransitionForm):
    to_status = PetitionStatus.EXTENDED
    title = _("延期")
    help = _("情况复杂的，经负责人批准可延期一次，不超过30日，并告知信访人延期理由（第三十四条）。")
    on_date_label = _("批准日期")
    extension_days = forms.IntegerField(label=_("延期天数"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    extension_reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(TransitionForm):
    to_status = PetitionStatus.CLOSED
    title = _("办结")
    help = _("化解：问题已解决；答复：已出具处理意见并书面答复。")
    on_date_label = _("办结（答复）日期")
    button_class = "primary"
    outcome = forms.ChoiceField(label=_("办结方式"), choices=PetitionOutcome.choices)
    outcome_text = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, petition=None, **kwargs):
        super().__init__(*args, **kwargs)
        if petition is not None and petition.kind == PetitionKind.DISPUTE:
            self.fields["mediator"] = forms.CharField(label=_("调解员"), max_length=50, required=False)
            self.fields["mediated_on"] = forms.DateField(label=_("调解日期"), required=False, widget=DateInput())
            self.fields["agreement_reached"] = forms.NullBooleanField(
                label=_("达成调解协议"), required=False, widget=forms.NullBooleanSelect()
            )
            self.fields["agreement_summary"] = forms.CharField(
                label=_("调解协议内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields["mediator"].initial = petition.mediator
            self.fields["mediated_on"].initial = petition.mediated_on
            self.fields["agreement_reached"].initial = petition.agreement_reached


class ReviewForm(TransitionForm):
    to_status = PetitionStatus.REVIEW
    title = _("申请复查")
    help = _("信访人自收到书面答复之日起30日内可请求复查，复查机关30日内答复（第三十五条）。")
    on_date_label = _("收到复查请求日期")


class RecheckForm(TransitionForm):
    to_status = PetitionStatus.RECHECK
    title = _("申请复核")
    help = _("对复查意见不服的，自收到复查意见之日起30日内可请求复核，复核机关30日内提出意见（第三十六条）。")
    on_date_label = _("收到复核请求日期")
    review_replied_on = forms.DateField(label=_("复查意见答复日期"), widget=DateInput())


TRANSITION_FORMS = {
    form.to_status: form
    for form in (AcceptForm, RejectForm, HandleForm, ExtendForm, CloseForm, ReviewForm, RecheckForm)
}


def transition_form(to_status, petition, data=None):
    form_class = TRANSITION_FORMS[to_status]
    if form_class is CloseForm:
        return form_class(data, petition=petition)
    return form_class(data)


class IdLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip().upper()
        validate_resident_id(value)
        return value
