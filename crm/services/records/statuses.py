"""The status vocabulary of a customer record."""


WA_FILTERS = ("ada", "ceklis1", "tidak", "none")
RESPOND_FILTERS = ("ya", "tidak", "none")


def status_filter(stmt, column, value, allowed):
    if value not in allowed:
        return stmt
    return stmt.where(column.is_(None) if value == "none" else column == value)
