"""Choice lists of the communities app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Roles and actions belong to the access module; they are named here too because the app's code reads them here.
from base.access import Action, Role

__all__ = ["LEVEL_ALIASES", "Action", "AuditAction", "JurisdictionLevel", "PopulationKind", "Role"]


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道")
    TOWNSHIP = "township", _("乡镇")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    GRID = "grid", _("网格")
    UNIT = "unit", _("单位")


# Words statistics offices and users write for each level, as found in import files.
LEVEL_ALIASES = {
    "省": JurisdictionLevel.PROVINCE,
    "自治区": JurisdictionLevel.PROVINCE,
    "直辖市": JurisdictionLevel.PROVINCE,
    "市": JurisdictionLevel.CITY,
    "地级市": JurisdictionLevel.CITY,
    "州": JurisdictionLevel.CITY,
    "自治州": JurisdictionLevel.CITY,
    "区县": JurisdictionLevel.DISTRICT,
    "区": JurisdictionLevel.DISTRICT,
    "县": JurisdictionLevel.DISTRICT,
    "县级市": JurisdictionLevel.DISTRICT,
    "街道": JurisdictionLevel.STREET,
    "街道办事处": JurisdictionLevel.STREET,
    "乡镇": JurisdictionLevel.TOWNSHIP,
    "乡": JurisdictionLevel.TOWNSHIP,
    "镇": JurisdictionLevel.TOWNSHIP,
    "社区": JurisdictionLevel.COMMUNITY,
    "居委会": JurisdictionLevel.COMMUNITY,
    "村": JurisdictionLevel.VILLAGE,
    "村委会": JurisdictionLevel.VILLAGE,
    "网格": JurisdictionLevel.GRID,
    "单位": JurisdictionLevel.UNIT,
    "学校": JurisdictionLevel.UNIT,
}


class PopulationKind(models.TextChoices):
    RESIDENT = "resident", _("常住人口")
    STUDENT = "student", _("学生")
    STAFF = "staff", _("教职工")


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    REVEAL = "reveal", _("查看敏感信息")
    LOCKOUT = "lockout", _("登录锁定")
    DISPLAY = "display", _("大屏链接访问")
    IMPORT_REFUSED = "import_refused", _("导入被拒绝")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")
