"""Give a user a role in a jurisdiction: python manage.py grant USERNAME CODE ROLE."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from communities.choices import Role
from communities.models import Jurisdiction
from communities.services import membership_grant


class Command(BaseCommand):
    help = "Grant a user a role (admin, leader, staff, auditor) in a jurisdiction given by its division code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("code", help="辖区统计用区划代码")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, username, code, role, **options):
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            raise CommandError(_("找不到区划代码为 %(code)s 的辖区。") % {"code": code})
        try:
            membership = membership_grant(username=username, jurisdiction=jurisdiction, role=role)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已授予 {membership.user.username} 在 {jurisdiction.name} 的角色：{membership.get_role_display()}"
            )
        )
        if membership.role == Role.ADMIN:
            self.stdout.write(_("该用户可以登录管理后台（/admin/），只能看到本辖区及其下级的数据。"))
