"""Register files for the import tests: headers as offices write them, rows of activities and petitions."""

from datetime import date, timedelta

from activities.identity import check_digit

ACTIVITY_HEADER = [
    "辖区代码",
    "活动名称",
    "日期",
    "地点",
    "类别",
    "参与人数",
    "其中少数民族（人）",
    "海报（份）",
    "活动简介",
]
PETITION_HEADER = [
    "辖区代码",
    "登记日期",
    "来访人",
    "身份证号",
    "联系电话",
    "渠道",
    "类别",
    "主要诉求",
    "受理日期",
    "办结日期",
    "办结方式",
    "办理结果",
]
START = date(2024, 1, 2)


def id_number(i):
    """Return a made-up resident ID number with a right check digit, different for each `i`."""
    body = f"5201021980{i:07d}"
    return body + check_digit(body)


def activity_rows(n, *, code="", start=START):
    """Return `n` activity rows, a different activity on each (one a day, cycling through a year)."""
    rows = []
    for i in range(n):
        day = start + timedelta(days=i % 360)
        rows.append(
            [
                code,
                f"民族团结主题活动{i + 1}",
                day.isoformat(),
                f"活动室{i % 7}",
                "宣讲",
                40 + i % 30,
                10,
                5,
                "宣讲政策",
            ]
        )
    return rows


def petition_rows(n, *, code="", start=START):
    """Return `n` petition rows: every third closed, every third accepted, the rest just registered."""
    rows = []
    for i in range(n):
        day = start + timedelta(days=i % 360)
        decided = (day + timedelta(days=1)).isoformat() if i % 3 else ""
        closed = (day + timedelta(days=10)).isoformat() if i % 3 == 2 else ""
        rows.append(
            [
                code,
                day.isoformat(),
                f"王{i}",
                id_number(i),
                f"1380000{i:04d}",
                "来访",
                "城建物业",
                f"小区设施问题{i}",
                decided,
                closed,
                "化解" if closed else "",
                "已协调解决" if closed else "",
            ]
        )
    return rows
