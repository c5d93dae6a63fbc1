"""Citizen ID numbers (公民身份号码, GB 11643-1999) and phone numbers: validation, normalisation,
masking. Pure functions (RULES.md section 9)."""

import datetime as dt
import operator

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

# Province codes of GB/T 2260 (the first two digits). Only the province is checked: county codes
# change with boundaries and old numbers keep their abolished codes.
PROVINCE_CODES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"]
)


class InvalidIdNumber(ValueError):
    pass


def check_character(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError(first17)
    # map over the digits rather than a generator: a roster import checks 100,000 numbers.
    return CHECK_CHARACTERS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def upgrade_15(number: str) -> str:
    """The 18-digit form of a pre-1999 15-digit number: '19' goes before the 2-digit year."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def normalise_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """The valid 18-character number for ``raw`` (spaces removed, x upper-cased, 15 digits
    upgraded), or ``InvalidIdNumber`` with a message that says what is wrong."""
    number = "".join(raw.split()).upper()
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
    if len(number) != 18:
        raise InvalidIdNumber(_("An ID number has 18 characters (or 15 digits for an old one); this has %(n)s.")
                              % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(_("The ID number's region code %(code)s is not a province of China.") % {"code": number[:2]})
    try:
        birth = birth_date_of(number)
    except ValueError:
        raise InvalidIdNumber(_("The ID number's birth date %(date)s is not a real date.") % {"date": number[6:14]}) from None
    if birth > (today or dt.date.today()):
        raise InvalidIdNumber(_("The ID number's birth date %(date)s is in the future.") % {"date": birth.isoformat()})
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(_("The ID number's check character is wrong: it should end in %(check)s.")
                              % {"check": check_character(number[:17])})
    return number


def birth_date_of(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    """'M' or 'F' from the 17th digit: odd for men, even for women."""
    return "M" if int(number[16]) % 2 else "F"


def mask_id_number(number: str) -> str:
    """First 6 and last 4 shown: 440104********123X."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str) -> str:
    """A mobile number as 11 digits (1[3-9]…) or a landline as area code, hyphen and number
    (020-12345678); spaces, hyphens and a +86 prefix are dropped. ``InvalidPhone`` otherwise."""
    digits = "".join(ch for ch in raw if ch not in " -()（）\u3000")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        raise InvalidPhone(_("A phone number has only digits (spaces, hyphens and +86 are allowed)."))
    if len(digits) == 11 and digits[0] == "1":
        if digits[1] not in "3456789":
            raise InvalidPhone(_("A mobile number starts with 13 to 19."))
        return digits
    # Beijing (010) and the 02x cities have 3-digit area codes, the rest 4; local numbers have 7 or 8 digits.
    area = 3 if digits[1:2] in ("1", "2") else 4
    if digits[0] == "0" and 7 <= len(digits) - area <= 8:
        return digits[:area] + "-" + digits[area:]
    raise InvalidPhone(_("A phone number is an 11-digit mobile number or a landline with its area code, "
                         "such as 020-12345678."))


def mask_phone(phone: str) -> str:
    """138****5678: the operator prefix and the last four digits."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]

