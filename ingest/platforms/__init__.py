"""Ad-platform connectors: pull daily campaign spend through each platform's official SDK into
the landing directory (SPEC section 1), one file per platform and pull."""

PLATFORMS = ("google_ads", "meta_ads", "microsoft_ads")
