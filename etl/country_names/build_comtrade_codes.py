"""Write `comtrade_codes.csv`: UN Comtrade reporter/partner codes -> ISO alpha-3 or aggregate code.

Run once (`python -m etl.country_names.build_comtrade_codes`) and commit the CSV; the CSV is the
source of truth and is what the reader loads, this script only documents how it was made.

Where the codes come from
  * The list of codes and their Comtrade labels is UN Comtrade's partner reference list
    (`partnerAreas.json`, as served by the legacy Comtrade API and mirrored in the public
    repositories sashakrasnov/uncomtrade and drunkcoding/complex-network-research), plus the two
    codes the current Comtrade (Comtrade+) adds: 97 "European Union" (a reporter) and 380 "Italy"
    (Comtrade+ reports Italy under the ISO code; the legacy list uses 381).
  * Most Comtrade codes are the ISO 3166 numeric code, so the alpha-3 comes from pycountry.
  * The exceptions are explicit below (`COMTRADE_SPECIFIC`): Comtrade keeps its own code for areas
    whose trade coverage differs from the ISO country - 251 France (incl. Monaco), 381 Italy,
    579 Norway (incl. Svalbard and Jan Mayen), 699 India, 757 Switzerland (incl. Liechtenstein),
    842 USA (incl. Puerto Rico and US Virgin Islands) - and 490 "Other Asia, nes", which is how
    Comtrade records Taiwan. Note 492 is Comtrade's "Europe EU, nes", NOT Monaco (ISO 492).
  * Former states use pycountry's historic codes (SUN, YUG, SCG, CSK, DDR, ANT, ...).
  * Residual areas ("Bunkers", "Free Zones", "Special Categories", regional "..., nes") have no ISO
    code and no listed aggregate; their `iso3` is left EMPTY on purpose: the reader drops their
    rows with a reason instead of inventing a partner. Only 899 "Areas, nes" maps to XNS.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

OUT = Path(__file__).with_name("comtrade_codes.csv")

# code -> label as in Comtrade's partner reference list (legacy partnerAreas.json), + 97 and 380.
# fmt: off
COMTRADE_LABELS: dict[int, str] = {
    0: "World", 4: "Afghanistan", 472: "Africa CAMEU region, nes", 8: "Albania", 12: "Algeria",
    16: "American Samoa", 20: "Andorra", 24: "Angola", 660: "Anguilla", 10: "Antarctica",
    28: "Antigua and Barbuda", 899: "Areas, nes", 32: "Argentina", 51: "Armenia", 533: "Aruba",
    36: "Australia", 40: "Austria", 31: "Azerbaijan", 44: "Bahamas", 48: "Bahrain",
    50: "Bangladesh", 52: "Barbados", 112: "Belarus", 56: "Belgium", 58: "Belgium-Luxembourg",
    84: "Belize", 204: "Benin", 60: "Bermuda", 64: "Bhutan", 68: "Bolivia (Plurinational State of)",
    535: "Bonaire", 70: "Bosnia Herzegovina", 72: "Botswana", 74: "Bouvet Island",
    80: "Br. Antarctic Terr.", 86: "Br. Indian Ocean Terr.", 92: "Br. Virgin Isds", 76: "Brazil",
    96: "Brunei Darussalam", 100: "Bulgaria", 837: "Bunkers", 854: "Burkina Faso", 108: "Burundi",
    132: "Cabo Verde", 471: "CACM, nes", 116: "Cambodia", 120: "Cameroon", 124: "Canada",
    129: "Caribbean, nes", 136: "Cayman Isds", 140: "Central African Rep.", 148: "Chad",
    152: "Chile", 156: "China", 344: "China, Hong Kong SAR", 446: "China, Macao SAR",
    162: "Christmas Isds", 166: "Cocos Isds", 170: "Colombia", 174: "Comoros", 178: "Congo",
    184: "Cook Isds", 188: "Costa Rica", 384: "Côte d'Ivoire", 191: "Croatia", 192: "Cuba",
    531: "Curaçao", 196: "Cyprus", 203: "Czechia", 200: "Czechoslovakia",
    408: "Dem. People's Rep. of Korea", 180: "Dem. Rep. of the Congo", 208: "Denmark",
    262: "Djibouti", 212: "Dominica", 214: "Dominican Rep.", 588: "East and West Pakistan",
    221: "Eastern Europe, nes", 218: "Ecuador", 818: "Egypt", 222: "El Salvador",
    226: "Equatorial Guinea", 232: "Eritrea", 233: "Estonia", 231: "Ethiopia",
    697: "Europe EFTA, nes", 492: "Europe EU, nes", 97: "European Union", 234: "Faeroe Isds",
    238: "Falkland Isds (Malvinas)", 242: "Fiji", 246: "Finland", 886: "Fmr Arab Rep. of Yemen",
    278: "Fmr Dem. Rep. of Germany", 866: "Fmr Dem. Rep. of Vietnam", 720: "Fmr Dem. Yemen",
    230: "Fmr Ethiopia", 280: "Fmr Fed. Rep. of Germany", 582: "Fmr Pacific Isds",
    590: "Fmr Panama, excl.Canal Zone", 592: "Fmr Panama-Canal-Zone", 868: "Fmr Rep. of Vietnam",
    717: "Fmr Rhodesia Nyas", 736: "Fmr Sudan", 835: "Fmr Tanganyika", 810: "Fmr USSR",
    890: "Fmr Yugoslavia", 836: "Fmr Zanzibar and Pemba Isd", 260: "Fr. South Antarctic Terr.",
    251: "France", 838: "Free Zones", 254: "French Guiana", 258: "French Polynesia",
    583: "FS Micronesia", 266: "Gabon", 270: "Gambia", 268: "Georgia", 276: "Germany",
    288: "Ghana", 292: "Gibraltar", 300: "Greece", 304: "Greenland", 308: "Grenada",
    312: "Guadeloupe", 316: "Guam", 320: "Guatemala", 324: "Guinea", 624: "Guinea-Bissau",
    328: "Guyana", 332: "Haiti", 334: "Heard Island and McDonald Islands",
    336: "Holy See (Vatican City State)", 340: "Honduras", 348: "Hungary", 352: "Iceland",
    699: "India", 356: "India, excl. Sikkim", 360: "Indonesia", 364: "Iran", 368: "Iraq",
    372: "Ireland", 376: "Israel", 380: "Italy", 381: "Italy", 388: "Jamaica", 392: "Japan",
    400: "Jordan", 398: "Kazakhstan", 404: "Kenya", 296: "Kiribati", 414: "Kuwait",
    417: "Kyrgyzstan", 473: "LAIA, nes", 418: "Lao People's Dem. Rep.", 428: "Latvia",
    422: "Lebanon", 426: "Lesotho", 430: "Liberia", 434: "Libya", 440: "Lithuania",
    442: "Luxembourg", 450: "Madagascar", 454: "Malawi", 458: "Malaysia", 462: "Maldives",
    466: "Mali", 470: "Malta", 584: "Marshall Isds", 474: "Martinique", 478: "Mauritania",
    480: "Mauritius", 175: "Mayotte", 484: "Mexico", 496: "Mongolia", 499: "Montenegro",
    500: "Montserrat", 504: "Morocco", 508: "Mozambique", 104: "Myanmar", 580: "N. Mariana Isds",
    516: "Namibia", 520: "Nauru", 524: "Nepal", 530: "Neth. Antilles",
    532: "Neth. Antilles and Aruba", 528: "Netherlands", 536: "Neutral Zone", 540: "New Caledonia",
    554: "New Zealand", 558: "Nicaragua", 562: "Niger", 566: "Nigeria", 570: "Niue",
    574: "Norfolk Isds", 637: "North America and Central America, nes",
    290: "Northern Africa, nes", 579: "Norway", 527: "Oceania, nes", 512: "Oman",
    577: "Other Africa, nes", 490: "Other Asia, nes", 568: "Other Europe, nes", 586: "Pakistan",
    585: "Palau", 591: "Panama", 598: "Papua New Guinea", 600: "Paraguay",
    459: "Peninsula Malaysia", 604: "Peru", 608: "Philippines", 612: "Pitcairn", 616: "Poland",
    620: "Portugal", 634: "Qatar", 410: "Rep. of Korea", 498: "Rep. of Moldova",
    636: "Rest of America, nes", 638: "Réunion", 642: "Romania", 643: "Russian Federation",
    646: "Rwanda", 647: "Ryukyu Isd", 461: "Sabah", 654: "Saint Helena",
    659: "Saint Kitts and Nevis", 658: "Saint Kitts, Nevis and Anguilla", 662: "Saint Lucia",
    534: "Saint Maarten", 666: "Saint Pierre and Miquelon",
    670: "Saint Vincent and the Grenadines", 882: "Samoa", 674: "San Marino",
    678: "Sao Tome and Principe", 457: "Sarawak", 682: "Saudi Arabia", 686: "Senegal",
    688: "Serbia", 891: "Serbia and Montenegro", 690: "Seychelles", 694: "Sierra Leone",
    698: "Sikkim", 702: "Singapore", 703: "Slovakia", 705: "Slovenia",
    711: "So. African Customs Union", 90: "Solomon Isds", 706: "Somalia", 710: "South Africa",
    239: "South Georgia and the South Sandwich Islands", 728: "South Sudan", 724: "Spain",
    839: "Special Categories", 144: "Sri Lanka", 275: "State of Palestine", 729: "Sudan",
    740: "Suriname", 748: "Swaziland", 752: "Sweden", 757: "Switzerland", 760: "Syria",
    762: "Tajikistan", 807: "TFYR of Macedonia", 764: "Thailand", 626: "Timor-Leste",
    768: "Togo", 772: "Tokelau", 776: "Tonga", 780: "Trinidad and Tobago", 788: "Tunisia",
    792: "Turkey", 795: "Turkmenistan", 796: "Turks and Caicos Isds", 798: "Tuvalu",
    800: "Uganda", 804: "Ukraine", 784: "United Arab Emirates", 826: "United Kingdom",
    834: "United Rep. of Tanzania", 581: "United States Minor Outlying Islands", 858: "Uruguay",
    849: "US Misc. Pacific Isds", 850: "US Virgin Isds", 842: "USA", 841: "USA (before 1981)",
    860: "Uzbekistan", 548: "Vanuatu", 862: "Venezuela", 704: "Viet Nam",
    876: "Wallis and Futuna Isds", 879: "Western Asia, nes", 732: "Western Sahara", 887: "Yemen",
    894: "Zambia", 716: "Zimbabwe",
}
# fmt: on

# Codes whose alpha-3 is not pycountry's for the same number. "" = residual area, rows dropped.
# fmt: off
COMTRADE_SPECIFIC: dict[int, str] = {
    0: "WLD",  # World
    97: "EUU",  # European Union (Comtrade+ reporter)
    899: "XNS",  # Areas, nes: partner not specified
    490: "TWN",  # Other Asia, nes = Taiwan in Comtrade
    251: "FRA",  # France incl. Monaco
    381: "ITA",  # Italy (legacy Comtrade code)
    579: "NOR",  # Norway incl. Svalbard and Jan Mayen
    699: "IND",  # India
    356: "IND",  # India, excl. Sikkim (before 1975)
    757: "CHE",  # Switzerland incl. Liechtenstein
    842: "USA",  # USA incl. Puerto Rico and US Virgin Islands
    841: "USA",  # USA (before 1981)
    280: "DEU",  # Fmr Fed. Rep. of Germany: ISO used DEU for the FRG
    886: "YEM",  # Fmr Arab Rep. of Yemen: ISO used YEM for North Yemen
    868: "VNM",  # Fmr Rep. of Vietnam: ISO used VNM for South Vietnam
    866: "VDR",  # Fmr Dem. Rep. of Vietnam (historic ISO)
    230: "ETH",  # Fmr Ethiopia (incl. Eritrea)
    736: "SDN",  # Fmr Sudan (incl. South Sudan)
    588: "PAK",  # East and West Pakistan
    590: "PAN",  # Fmr Panama, excl. Canal Zone
    592: "PCZ",  # Fmr Panama Canal Zone (historic ISO)
    698: "SKM",  # Sikkim (historic ISO)
    80: "ATB",  # British Antarctic Territory (historic ISO)
    532: "ANT",  # Neth. Antilles and Aruba: ISO ANT before Aruba's separation
    200: "CSK",
    278: "DDR",
    530: "ANT",
    536: "NTZ",
    582: "PCI",
    720: "YMD",
    810: "SUN",
    849: "PUS",
    890: "YUG",
    891: "SCG",
    # No ISO code and no listed aggregate: rows are dropped with the label as the reason.
    58: "",  # Belgium-Luxembourg (customs union, before 1999)
    711: "",  # Southern African Customs Union (before 2000)
    457: "", 459: "", 461: "",  # Sarawak, Peninsula Malaysia, Sabah (before Malaysia)
    647: "",  # Ryukyu Isd
    658: "",  # Saint Kitts, Nevis and Anguilla
    717: "",  # Fmr Rhodesia and Nyasaland
    835: "", 836: "",  # Fmr Tanganyika, Fmr Zanzibar and Pemba
    837: "", 838: "", 839: "",  # Bunkers, Free Zones, Special Categories
    129: "", 221: "", 290: "", 471: "", 472: "", 473: "", 492: "", 527: "", 568: "", 577: "",
    636: "", 637: "", 697: "", 879: "",  # regional "..., nes" residuals
}
# fmt: on


def iso3_for(code: int) -> str:
    """The tidy code for one Comtrade code: explicit exception first, else the ISO numeric."""
    if code in COMTRADE_SPECIFIC:
        return COMTRADE_SPECIFIC[code]
    hit = pycountry.countries.get(numeric=f"{code:03d}")
    if hit is None:
        raise ValueError(f"Comtrade code {code} ({COMTRADE_LABELS[code]}) has no ISO numeric match")
    return hit.alpha_3


def rows() -> list[tuple[int, str, str]]:
    return [(code, iso3_for(code), label) for code, label in sorted(COMTRADE_LABELS.items())]


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "iso3", "label"])
        writer.writerows(rows())
    print(f"wrote {OUT} ({len(COMTRADE_LABELS)} codes)")


if __name__ == "__main__":
    main()
