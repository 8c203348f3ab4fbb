from decimal import Decimal

import pytest

from crm.services.phones import normalize_phone, wa_link

MOBILE = "6281234567890"


@pytest.mark.parametrize(
    "raw",
    [
        "0812-3456-7890",
        "081234567890",
        "812 3456 7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "62812345678 90",
        "(0812) 3456 7890",
        "0812.3456.7890",
        "  0812 3456 7890  ",
        "0812\u00a03456\u00a07890",  # non-breaking spaces from web pages
        "+62 (812) 3456-7890",
        "+62 0812 3456 7890",  # trunk 0 kept after the country code
        "'+6281234567890",  # Excel's text prefix (our own exports add it)
        81234567890.0,  # phone column stored as numbers in Excel
        81234567890,
        6281234567890.0,
        6.28123456789e12,
        "81234567890.0",  # a float written out as text
        "6.28123456789E+12",  # the same, in scientific notation
        Decimal("81234567890"),
    ],
)
def test_indonesian_mobile_forms(raw):
    assert normalize_phone(raw) == MOBILE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0811 123 4567", "628111234567"),  # shortest: 8 + 9 digits after 62
        ("0812-345-678", "62812345678"),  # 8 + 8 digits
        ("+65 9123 4567", "6591234567"),  # Singapore mobile
        ("+1 650-253-0000", "16502530000"),
        ("021-5551234", "62215551234"),  # Jakarta landline
        ("(021) 555-1234", "62215551234"),
        ("+62 21 5551234", "62215551234"),
    ],
)
def test_other_valid_numbers(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "-",
        "12345",
        "0000000000",
        "08123",  # too short
        "0812345678901234567",  # too long
        "+62 812 3456 7890 1234",
        "abc",
        "0812abc34567",
        "0812-3456-7890 ext 5",
        "Budi",
        "+65 1234",  # too short for Singapore
        12.5,
        float("nan"),
        float("inf"),
        True,
        "6.28123E+12",  # Excel rounded the digits away: refuse rather than guess
        "6.2812345E+12",
        "٠٨١٢٣",
    ],
)
def test_not_a_phone_number(raw):
    assert normalize_phone(raw) is None


def test_mobile_length_bounds():
    assert normalize_phone("08" + "1" * 6) is None  # 8 + 6 digits
    assert normalize_phone("08" + "1" * 7) == "628" + "1" * 7
    assert normalize_phone("08" + "1" * 11) == "628" + "1" * 11
    assert normalize_phone("08" + "1" * 12) is None


def test_wa_link_encodes_the_whole_message():
    message = "Halo Pak Budi, promo 50% & gratis ongkir? Cek: https://x.id/a?b=1#c\nSalam 🙏"
    link = wa_link(MOBILE, message)
    assert link.startswith("https://wa.me/6281234567890?text=")
    text = link.split("?text=", 1)[1]
    assert all(ch not in text for ch in " &?#/:=\n%"[:-1])
    assert "%25" in text and "%26" in text and "%F0%9F%99%8F" in text
    from urllib.parse import unquote

    assert unquote(text) == message


def test_wa_link_without_message_and_bad_input():
    assert wa_link(MOBILE, "") == "https://wa.me/6281234567890"
    assert wa_link("+" + MOBILE, "hi") == "https://wa.me/6281234567890?text=hi"
    with pytest.raises(ValueError):
        wa_link("0812 3456", "hi")
