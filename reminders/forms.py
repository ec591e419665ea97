from django import forms

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_enabled", "email_mode"]
        widgets = {"email_mode": forms.RadioSelect}
