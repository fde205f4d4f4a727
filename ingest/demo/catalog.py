"""Static reference data of the demo: OEMs, products, rate card, places and campaign themes.

Kept apart from the simulation so the business setup (what the agency sells, at which fee
tiers, under which co-op programs) reads in one page and can be changed without touching
the random process.
"""

from __future__ import annotations

from decimal import Decimal

OEMS: tuple[str, ...] = ("Toyota", "Honda", "Ford", "GM", "Hyundai", "Nissan", "Kia")
OEM_WEIGHTS: tuple[int, ...] = (20, 16, 18, 18, 10, 10, 8)

# Dealer-facing brand names per OEM (GM dealers sell Chevrolet, Buick GMC, Cadillac).
BRANDS: dict[str, tuple[str, ...]] = {
    "Toyota": ("Toyota",),
    "Honda": ("Honda",),
    "Ford": ("Ford", "Ford Lincoln"),
    "GM": ("Chevrolet", "Buick GMC", "Chevrolet Buick GMC", "Cadillac"),
    "Hyundai": ("Hyundai",),
    "Nissan": ("Nissan",),
    "Kia": ("Kia",),
}

MODELS: dict[str, tuple[str, ...]] = {
    "Toyota": ("Camry", "RAV4", "Tacoma", "Highlander", "Corolla"),
    "Honda": ("Civic", "CR-V", "Accord", "Pilot", "HR-V"),
    "Ford": ("F-150", "Explorer", "Bronco", "Escape", "Maverick"),
    "GM": ("Silverado", "Equinox", "Tahoe", "Sierra", "Traverse"),
    "Hyundai": ("Tucson", "Santa Fe", "Elantra", "Palisade", "Kona"),
    "Nissan": ("Rogue", "Altima", "Frontier", "Pathfinder", "Kicks"),
    "Kia": ("Telluride", "Sportage", "Sorento", "Seltos", "Carnival"),
}

# product_code, product_name, product_line, pricing_model
PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("SEARCH", "Paid Search", "search", "media"),
    ("SOCIAL", "Paid Social", "social", "media"),
    ("DISPLAY", "Programmatic Display", "display", "media"),
    ("VIDEO", "Online Video (YouTube/CTV)", "video", "media"),
    ("SEO", "Search Engine Optimization", "seo", "flat"),
    ("WEBSITE", "Dealer Website Hosting & Content", "website", "flat"),
)
MEDIA: tuple[str, ...] = tuple(p[0] for p in PRODUCTS if p[3] == "media")
FLAT: tuple[str, ...] = tuple(p[0] for p in PRODUCTS if p[3] == "flat")
# How often a dealer buys each product (relative weights when drawing its product set).
PRODUCT_WEIGHTS: dict[str, int] = {"SEARCH": 90, "SOCIAL": 55, "DISPLAY": 30, "VIDEO": 15, "SEO": 35, "WEBSITE": 22}

# Management-fee tiers [min, max) on the monthly media budget; max None = no upper bound.
STANDARD_TIERS: tuple[tuple[Decimal, Decimal | None, Decimal], ...] = (
    (Decimal("0"), Decimal("5000"), Decimal("0.15")),
    (Decimal("5000"), Decimal("15000"), Decimal("0.12")),
    (Decimal("15000"), None, Decimal("0.10")),
)
VIDEO_TIERS: tuple[tuple[Decimal, Decimal | None, Decimal], ...] = (
    (Decimal("0"), Decimal("5000"), Decimal("0.18")),
    (Decimal("5000"), Decimal("15000"), Decimal("0.15")),
    (Decimal("15000"), None, Decimal("0.12")),
)
RATE_CARD: dict[str, tuple[tuple[Decimal, Decimal | None, Decimal], ...]] = {
    p: (VIDEO_TIERS if p == "VIDEO" else STANDARD_TIERS) for p in MEDIA
}

# program_code, oem, coop_share_pct, monthly_cap, eligible_products (Kia: no program).
OEM_PROGRAMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("TOYOTA-COOP", "Toyota", "0.50", "5000.00", "SEARCH|SOCIAL|DISPLAY"),
    ("HONDA-COOP", "Honda", "0.50", "4000.00", "SEARCH|SOCIAL|DISPLAY"),
    ("FORD-COOP", "Ford", "0.40", "6000.00", "SEARCH|SOCIAL|DISPLAY|VIDEO"),
    ("GM-COOP", "GM", "0.50", "7500.00", "SEARCH|SOCIAL|DISPLAY"),
    ("HYUNDAI-COOP", "Hyundai", "0.60", "3000.00", "SEARCH|DISPLAY"),
    ("NISSAN-COOP", "Nissan", "0.50", "3500.00", "SEARCH|SOCIAL|DISPLAY"),
)
PROGRAM_BY_OEM: dict[str, tuple[str, frozenset[str]]] = {
    oem: (code, frozenset(eligible.split("|"))) for code, oem, _share, _cap, eligible in OEM_PROGRAMS
}

PLATFORMS: tuple[str, ...] = ("google_ads", "meta_ads", "microsoft_ads")

# (town, state/province, IANA time zone)
US_TOWNS: tuple[tuple[str, str, str], ...] = (
    ("Springfield", "IL", "America/Chicago"), ("Riverside", "CA", "America/Los_Angeles"),
    ("Fairview", "TX", "America/Chicago"), ("Madison", "WI", "America/Chicago"),
    ("Georgetown", "KY", "America/New_York"), ("Clinton", "IA", "America/Chicago"),
    ("Salem", "OR", "America/Los_Angeles"), ("Franklin", "TN", "America/Chicago"),
    ("Greenville", "SC", "America/New_York"), ("Bristol", "CT", "America/New_York"),
    ("Arlington", "TX", "America/Chicago"), ("Aurora", "CO", "America/Denver"),
    ("Mesa", "AZ", "America/Phoenix"), ("Tampa", "FL", "America/New_York"),
    ("Orlando", "FL", "America/New_York"), ("Boise", "ID", "America/Boise"),
    ("Columbus", "OH", "America/New_York"), ("Dayton", "OH", "America/New_York"),
    ("Omaha", "NE", "America/Chicago"), ("Tulsa", "OK", "America/Chicago"),
    ("Fresno", "CA", "America/Los_Angeles"), ("Reno", "NV", "America/Los_Angeles"),
    ("Spokane", "WA", "America/Los_Angeles"), ("Durham", "NC", "America/New_York"),
    ("Raleigh", "NC", "America/New_York"), ("Knoxville", "TN", "America/New_York"),
    ("Lansing", "MI", "America/Detroit"), ("Toledo", "OH", "America/New_York"),
    ("Akron", "OH", "America/New_York"), ("Peoria", "IL", "America/Chicago"),
    ("Savannah", "GA", "America/New_York"), ("Macon", "GA", "America/New_York"),
    ("Mobile", "AL", "America/Chicago"), ("Huntsville", "AL", "America/Chicago"),
    ("Lubbock", "TX", "America/Chicago"), ("El Paso", "TX", "America/Denver"),
    ("Albany", "NY", "America/New_York"), ("Syracuse", "NY", "America/New_York"),
    ("Allentown", "PA", "America/New_York"), ("Erie", "PA", "America/New_York"),
    ("Wichita", "KS", "America/Chicago"), ("Topeka", "KS", "America/Chicago"),
    ("Billings", "MT", "America/Denver"), ("Fargo", "ND", "America/Chicago"),
    ("Des Moines", "IA", "America/Chicago"), ("Cedar Rapids", "IA", "America/Chicago"),
    ("Chattanooga", "TN", "America/New_York"), ("Roanoke", "VA", "America/New_York"),
    ("Richmond", "VA", "America/New_York"), ("Charleston", "WV", "America/New_York"),
    ("Provo", "UT", "America/Denver"), ("Ogden", "UT", "America/Denver"),
    ("Bakersfield", "CA", "America/Los_Angeles"), ("Modesto", "CA", "America/Los_Angeles"),
    ("Tacoma", "WA", "America/Los_Angeles"), ("Eugene", "OR", "America/Los_Angeles"),
    ("Shreveport", "LA", "America/Chicago"), ("Baton Rouge", "LA", "America/Chicago"),
    ("Jackson", "MS", "America/Chicago"), ("Little Rock", "AR", "America/Chicago"),
)
CA_TOWNS: tuple[tuple[str, str, str], ...] = (
    ("Oakville", "ON", "America/Toronto"), ("Markham", "ON", "America/Toronto"),
    ("Mississauga", "ON", "America/Toronto"), ("Barrie", "ON", "America/Toronto"),
    ("Kingston", "ON", "America/Toronto"), ("London", "ON", "America/Toronto"),
    ("Laval", "QC", "America/Toronto"), ("Gatineau", "QC", "America/Toronto"),
    ("Surrey", "BC", "America/Vancouver"), ("Kelowna", "BC", "America/Vancouver"),
    ("Burnaby", "BC", "America/Vancouver"), ("Calgary", "AB", "America/Edmonton"),
    ("Red Deer", "AB", "America/Edmonton"), ("Saskatoon", "SK", "America/Regina"),
    ("Winnipeg", "MB", "America/Winnipeg"), ("Moncton", "NB", "America/Halifax"),
    ("Halifax", "NS", "America/Halifax"),
)
FAMILY_NAMES: tuple[str, ...] = (
    "Anderson", "Baker", "Carter", "Dalton", "Ellis", "Fletcher", "Garrison", "Hughes", "Ingram",
    "Jensen", "Keller", "Lawson", "McAllister", "Norris", "Owens", "Parker", "Quinn", "Reynolds",
    "Sullivan", "Thornton", "Underwood", "Vaughn", "Whitaker", "Young", "Zimmerman", "Bergeron",
    "Tremblay", "Gagnon", "MacDonald", "Campbell",
)
EMAIL_LOCAL_PARTS: tuple[str, ...] = ("accounting", "ap", "billing", "controller", "office", "invoices")

# Campaign themes per media product; "{model}" is replaced by one of the OEM's models.
CAMPAIGN_THEMES: dict[str, tuple[str, ...]] = {
    "SEARCH": ("Brand", "New Inventory", "Used Inventory", "Service & Parts", "Conquest", "Model - {model}",
               "Finance & Lease Offers"),
    "SOCIAL": ("Inventory Carousel", "Lead Gen - {model}", "Retargeting", "Service Offers", "Sales Event"),
    "DISPLAY": ("Retargeting", "Conquest Display", "Inventory Banners", "Model - {model}"),
    "VIDEO": ("YouTube Brand", "{model} Launch", "Pre-roll Offers", "CTV Sales Event"),
}
PRODUCT_LABEL: dict[str, str] = {"SEARCH": "Search", "SOCIAL": "Social", "DISPLAY": "Display", "VIDEO": "Video"}

# Delivery economics per product, integers: CPM in cents (low, high) and CTR in basis points.
CPM_CENTS: dict[str, tuple[int, int]] = {"SEARCH": (2500, 6000), "SOCIAL": (800, 1500), "DISPLAY": (300, 800),
                                         "VIDEO": (1000, 2500)}
CTR_BP: dict[str, tuple[int, int]] = {"SEARCH": (300, 800), "SOCIAL": (80, 180), "DISPLAY": (8, 30),
                                      "VIDEO": (20, 60)}
