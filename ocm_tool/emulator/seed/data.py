"""What the sample tenant is made of: names in several scripts, places, phrases, template fields.

Pure data for the generator in ``records``: the locales (people's names with their ASCII
spellings, streets, cities, phone formats, phrases), companies, users, groups, the user's own
items, currencies, amounts and the custom fields of each template.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    """Names, places and phrases of one language; ``(text, ascii)`` pairs name people."""

    given: tuple[tuple[str, str, str], ...]  # (name, ascii, "f" | "m")
    surnames: tuple[tuple[str, str, str, str], ...]  # (male, female, ascii m, ascii f)
    family_first: bool
    streets: tuple[str, ...]
    street_format: str  # {street} {number}
    cities: tuple[tuple[str, str, str, str], ...]  # (city, postal code, state, country)
    phone: Callable[[random.Random], str]
    mail_domain: str
    phrases: tuple[str, ...]


def _same(*pairs: tuple[str, str]) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((name, name, ascii_, ascii_) for name, ascii_ in pairs)


LOCALES: tuple[Locale, ...] = (
    Locale(
        given=(
            ("Jürgen", "juergen", "m"),
            ("Käthe", "kaethe", "f"),
            ("Björn", "bjoern", "m"),
            ("Sören", "soeren", "m"),
            ("Anna", "anna", "f"),
            ("Ursula", "ursula", "f"),
            ("Jörg", "joerg", "m"),
            ("Lukas", "lukas", "m"),
        ),
        surnames=_same(
            ("Müller", "mueller"),
            ("Groß", "gross"),
            ("Schäfer", "schaefer"),
            ("Weiß", "weiss"),
            ("Köhler", "koehler"),
            ("Meißner", "meissner"),
        ),
        family_first=False,
        streets=("Königstraße", "Schloßallee", "Hauptstraße", "Mühlenweg"),
        street_format="{street} {number}",
        cities=(
            ("Berlin", "10115", "Berlin", "Deutschland"),
            ("München", "80331", "Bayern", "Deutschland"),
            ("Köln", "50667", "Nordrhein-Westfalen", "Deutschland"),
        ),
        phone=lambda r: f"+49 30 {r.randrange(10**6, 10**7)}",
        mail_domain="example.de",
        phrases=(
            "Möchte ein Angebot für 50 Lizenzen, bitte bis Freitag.",
            'Sagt: "Der Preis ist zu hoch", will aber weiterreden.',
            "Rückruf nach der Messe in Köln; Ansprechpartner für Einkauf, Logistik und Qualität.",
            "Größere Bestellung über 12.500,00 € im Herbst geplant.",
        ),
    ),
    Locale(
        given=(
            ("Jiří", "jiri", "m"),
            ("Jana", "jana", "f"),
            ("Tomáš", "tomas", "m"),
            ("Šárka", "sarka", "f"),
            ("Ondřej", "ondrej", "m"),
            ("Kateřina", "katerina", "f"),
        ),
        surnames=(
            ("Dvořák", "Dvořáková", "dvorak", "dvorakova"),
            ("Šťastný", "Šťastná", "stastny", "stastna"),
            ("Novák", "Nováková", "novak", "novakova"),
            ("Černý", "Černá", "cerny", "cerna"),
            ("Procházka", "Procházková", "prochazka", "prochazkova"),
        ),
        family_first=False,
        streets=("Vinohradská", "Náměstí Míru", "Žižkova", "Dlouhá"),
        street_format="{street} {number}",
        cities=(
            ("Praha", "120 00", "Hlavní město Praha", "Česká republika"),
            ("Brno", "602 00", "Jihomoravský kraj", "Česká republika"),
            ("České Budějovice", "370 01", "Jihočeský kraj", "Česká republika"),
        ),
        phone=lambda r: (
            f"+420 {r.randrange(600, 800)} {r.randrange(100, 1000)} {r.randrange(100, 1000)}"
        ),
        mail_domain="example.cz",
        phrases=(
            "Má zájem o roční předplatné, ale chce slevu.",
            'Řekl: "Ozvu se po dovolené", tak uvidíme.',
            "Schůzka v Praze, kancelář na Vinohradech, 3. patro.",
            "Příliš žluťoučký kůň úpěl ďábelské ódy.",
        ),
    ),
    Locale(
        given=(
            ("芳", "fang", "f"),
            ("伟", "wei", "m"),
            ("娜", "na", "f"),
            ("磊", "lei", "m"),
            ("静", "jing", "f"),
            ("秀英", "xiuying", "f"),
        ),
        surnames=_same(
            ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen")
        ),
        family_first=True,
        streets=("建国路", "南京东路", "中山路"),
        street_format="{street}{number}号",
        cities=(
            ("北京市", "100022", "北京", "中国"),
            ("上海市", "200001", "上海", "中国"),
            ("深圳市", "518000", "广东省", "中国"),
        ),
        phone=lambda r: f"+86 10 {r.randrange(1000, 10000)} {r.randrange(1000, 10000)}",
        mail_domain="example.cn",
        phrases=(
            "客户希望在下个月签约，预算约为五万元。",
            '他说："价格需要再谈"，下周回复。',
            "请在周五之前发送报价单, 谢谢。",
            "对我们的新产品很感兴趣，需要演示。",
        ),
    ),
    Locale(
        given=(
            ("John", "john", "m"),
            ("Mary", "mary", "f"),
            ("Siobhán", "siobhan", "f"),
            ("José", "jose", "m"),
            ("Zoë", "zoe", "f"),
            ("Patrick", "patrick", "m"),
        ),
        surnames=_same(
            ("O'Brien", "obrien"),
            ("Smith", "smith"),
            ("García", "garcia"),
            ("Nguyen", "nguyen"),
            ("van der Berg", "vanderberg"),
        ),
        family_first=False,
        streets=("Main Street", "Microsoft Way", "Pine St."),
        street_format="{number} {street}",
        cities=(
            ("Redmond", "98052", "WA", "United States"),
            ("Seattle", "98101", "WA", "United States"),
            ("Dublin", "D02 X285", "", "Ireland"),
        ),
        phone=lambda r: f"+1 425 555 {r.randrange(100, 10000):04d}",
        mail_domain="example.com",
        phrases=(
            "Wants a quote for 50 seats, by Friday.",
            'Said "call me after the trade show", so we will.',
            "Prefers e-mail; phone only for urgent matters, e.g. outages.",
            "Met at Ignite, interested in the premium plan.",
        ),
    ),
)
COMPANIES: tuple[tuple[str, str, int], ...] = (  # (name, domain, locale index)
    ("Müller & Söhne GmbH", "mueller-soehne.example.de", 0),
    ("Dvořák a syn s.r.o.", "dvorak-syn.example.cz", 1),
    ("北京华信科技有限公司", "huaxin.example.cn", 2),
    ("Fabrikam, Inc.", "fabrikam.example.com", 3),
    ("Groß Maschinenbau AG", "gross-maschinenbau.example.de", 0),
    ("Šťastná Design, s.r.o.", "stastna-design.example.cz", 1),
    ("上海东方贸易有限公司", "dongfang.example.cn", 2),
    ('Adventure Works "Cycles"', "adventure-works.example.com", 3),
    ("Köhler Logistik GmbH & Co. KG", "koehler-logistik.example.de", 0),
    ("Pivovar Černý a.s.", "pivovar-cerny.example.cz", 1),
    ("Northwind Traders", "northwind.example.com", 3),
    ("深圳创新电子有限公司", "chuangxin.example.cn", 2),
)
USERS = (
    ("alice", "Alice Wong"),
    ("jana.dvorakova", "Jana Dvořáková"),
    ("juergen.mueller", "Jürgen Müller"),
    ("wang.fang", "王芳"),
)
GROUPS = (
    ("sales", "Sales – Customer Manager"),
    ("vertrieb", "Vertrieb"),
    ("obchod", "Obchod"),
    ("xiaoshou", "销售部"),
)
OWN_ITEMS = {  # the user's own, non-OCM data (otherItems), one of each per locale
    "contacts": ("Mama", "Máma", "妈妈", "Mum"),
    "tasks": ("Zahnarzt", "Zubař", "看牙医", "Dentist"),
    "inbox": ("Mittagessen?", "Oběd?", "午饭？", "Hello"),
}

CURRENCIES = ("USD", "EUR", "CZK", "CNY", "GBP")
AMOUNTS: tuple[float, ...] = (50, 12.5, 12500, 999.99, 1234567.5)
#: Custom fields per template: (label, type, options). Every type appears in every template;
#: companies repeat a label and use a built-in column name, deals carry the Status and Stage
#: system fields (the schema files skip them; records hold no values for them).
TEMPLATE_FIELDS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "contact": (
        ("Newsletter", "Boolean", ()),
        ("Kundensegment", "Choice", ("A-Kunde", "B-Kunde", "C-Kunde")),
        ("Lifetime value", "Currency", CURRENCIES),
        ("Počet zaměstnanců", "Numeric", ()),
        ("Erstkontakt", "Date", ()),
        ("LinkedIn", "Link", ()),
        ("爱好", "Text", ()),
    ),
    "company": (
        ("Region", "Text", ()),
        ("Region", "Choice", ("DACH", "CEE", "APAC", "NA")),
        ("Partner", "Boolean", ()),
        ("Kreditlimit", "Currency", CURRENCIES),
        ("Umsatz (Mio.)", "Numeric", ()),
        ("Vertragsende", "Date", ()),
        ("Intranet", "Link", ()),
        ("Notes", "Text", ()),
    ),
    "deal": (
        ("Status", "Choice", ("Open", "Won", "Lost")),
        ("Stage", "Choice", ()),
        ("Rahmenvertrag", "Boolean", ()),
        ("Lead source", "Choice", ("Web", "Messe", "Doporučení", "推荐")),
        ("Discount", "Currency", CURRENCIES),
        ("Probability %", "Numeric", ()),
        ("Nächster Termin", "Date", ()),
        ("Angebot (SharePoint)", "Link", ()),
        ("Konkurrenz", "Text", ()),
    ),
}
