"""Demo data of the data hub: about 500 companies (some in groups a few levels deep) and 2,000 contacts from
fifteen countries, with custom fields, tags, lifecycle stages and owners across the demo teams.

Generated from a fixed seed, so every run builds the same organization (dates are relative to today). Rows are
bulk-inserted for speed, but hold exactly what the services would store: the primary email, phone and company
copied onto the contact, ``display_name``, completeness, lifecycle dates, the primary domain on the company.
Emails and websites use the reserved ``.example`` top-level domain and most phone numbers the ranges set aside
for fiction (555-01xx in North America, 020 7946 0xxx in London...), so a demo never reaches a real person.

Demo records carry external ids ``demo-co-NNNN`` and ``demo-ct-NNNNN``: a second run finds them and adds nothing.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from django.db import connection, models, transaction
from django.utils import timezone

from rapport.core import audit

from . import hooks, normalize
from .enums import SizeBand, Stance
from .models import (
    Address,
    Company,
    CompanyDomain,
    CompanyTag,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    Membership,
)
from .schema import completeness

SEED = 2026
COMPANY_PREFIX = "demo-co-"
CONTACT_PREFIX = "demo-ct-"
N_COMPANIES = 500
N_CONTACTS = 2000
HISTORY_DAYS = 730
BATCH = 1000


# --- the world --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    region: str  # americas, europe, apac: which sales team works it
    language: str
    currency: str
    firsts: tuple[str, ...]
    lasts: tuple[str, ...]
    cities: tuple[tuple[str, str, str, str], ...]  # city, region, postcode pattern (# digit, @ letter), zone
    streets: tuple[str, ...]
    phones: tuple[str, ...]  # templates: fixed line(s) first, mobile last; # is a random digit
    suffixes: tuple[str, ...]  # legal forms
    stems: tuple[str, ...] = ()  # brand names of local companies (default: English ones)
    number_first: bool = False  # "1200 Main Street" rather than "Hauptstraße 12"


EN_STEMS = ("Summit", "Northstar", "Bluewater", "Ironwood", "Brightline", "Harbor", "Redwood", "Keystone",
            "Silverline", "Pioneer", "Lakeside", "Granite", "Evergreen", "Beacon", "Copperleaf", "Westbrook",
            "Highland", "Riverbend", "Oakridge", "Clearview", "Falcon", "Meridian", "Sterling", "Horizon", "Aspen",
            "Cobalt", "Juniper", "Kestrel", "Larkspur", "Bramble")  # fmt: skip

COUNTRIES = [
    Country("US", 24, "americas", "en", "USD",
            ("James", "Mary", "Michael", "Jennifer", "David", "Linda", "Christopher", "Jessica", "Daniel", "Ashley",
             "Matthew", "Emily", "Andrew", "Sarah", "Joshua", "Megan", "Tyler", "Olivia", "Brandon", "Hannah"),
            ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson",
             "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "O'Connor",
             "McAllister"),
            (("New York", "NY", "100##", "America/New_York"), ("San Francisco", "CA", "941##", "America/Los_Angeles"),
             ("Chicago", "IL", "606##", "America/Chicago"), ("Austin", "TX", "787##", "America/Chicago"),
             ("Boston", "MA", "021##", "America/New_York"), ("Seattle", "WA", "981##", "America/Los_Angeles"),
             ("Denver", "CO", "802##", "America/Denver")),
            ("Main Street", "Market Street", "Broadway", "Oak Avenue", "Pine Street", "Maple Drive",
             "Congress Avenue", "Mission Street", "Elm Street"),
            ("+1 212 555 01##", "+1 415 555 01##", "+1 312 555 01##", "+1 617 555 01##", "+1 206 555 01##"),
            ("Inc.", "LLC", "Corp."), number_first=True),
    Country("CA", 5, "americas", "en", "CAD",
            ("Liam", "Emma", "Noah", "Chloé", "Ethan", "Léa", "Lucas", "Maya", "Benjamin", "Zoë", "Gabriel",
             "Camille"),
            ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "MacDonald",
             "Campbell", "Wong"),
            (("Toronto", "ON", "M5V #@#", "America/Toronto"), ("Vancouver", "BC", "V6B #@#", "America/Vancouver"),
             ("Montréal", "QC", "H2Y #@#", "America/Toronto")),
            ("King Street West", "Queen Street", "Rue Sainte-Catherine", "Granville Street", "Bay Street"),
            ("+1 416 555 01##", "+1 604 555 01##", "+1 514 555 01##"), ("Inc.", "Ltd."), number_first=True),
    Country("GB", 11, "europe", "en", "GBP",
            ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Sophie", "Thomas", "Grace", "William",
             "Charlotte", "Freddie", "Poppy"),
            ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
             "Wright", "Hughes", "Patel", "Khan"),
            (("London", "England", "EC1A #@@", "Europe/London"), ("Manchester", "England", "M1 #@@", "Europe/London"),
             ("Edinburgh", "Scotland", "EH1 #@@", "Europe/London"), ("Bristol", "England", "BS1 #@@",
                                                                       "Europe/London")),
            ("High Street", "Station Road", "Church Lane", "King's Road", "Victoria Street", "Deansgate"),
            ("+44 20 7946 0###", "+44 161 496 0###", "+44 7### ######"), ("Ltd", "plc"), number_first=True),
    Country("DE", 12, "europe", "de", "EUR",
            ("Lukas", "Anna", "Maximilian", "Lena", "Felix", "Sophie", "Jonas", "Marie", "Leon", "Hannah", "Paul",
             "Jürgen", "Käthe", "Tobias", "Katrin"),
            ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
             "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"),
            (("Berlin", "Berlin", "10###", "Europe/Berlin"), ("München", "Bayern", "80###", "Europe/Berlin"),
             ("Hamburg", "Hamburg", "20###", "Europe/Berlin"), ("Köln", "Nordrhein-Westfalen", "50###",
                                                                "Europe/Berlin"),
             ("Frankfurt am Main", "Hessen", "60###", "Europe/Berlin")),
            ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Friedrichstraße", "Lindenallee"),
            ("+49 30 #######", "+49 89 #######", "+49 171 #######"), ("GmbH", "AG", "GmbH & Co. KG"),
            ("Nordwind", "Bergmann", "Rheintal", "Alpenblick", "Falkenstein", "Sonnenfeld", "Eichwald", "Hansetor",
             "Lindenhof", "Weißenberg")),
    Country("FR", 10, "europe", "fr", "EUR",
            ("Lucas", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Gabriel", "Camille", "Jules", "Inès", "Théo", "Zoé",
             "Éloïse", "Mathis"),
            ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
             "Lefèvre", "Girard", "Fournier", "Mercier"),
            (("Paris", "Île-de-France", "750##", "Europe/Paris"), ("Lyon", "Auvergne-Rhône-Alpes", "6900#",
                                                                    "Europe/Paris"),
             ("Bordeaux", "Nouvelle-Aquitaine", "330##", "Europe/Paris"), ("Lille", "Hauts-de-France", "590##",
                                                                          "Europe/Paris"),
             ("Nantes", "Pays de la Loire", "440##", "Europe/Paris")),
            ("rue de la République", "avenue Victor Hugo", "boulevard Haussmann", "rue de la Paix",
             "cours Lafayette"),
            ("+33 1 99 00 ## ##", "+33 6 ## ## ## ##"), ("SAS", "SA", "SARL"),
            ("Lumière", "Bellevue", "Atlantique", "Cap Horizon", "Vignoble", "Étoile", "Mistral", "Clairefontaine",
             "Beaulieu")),
    Country("ES", 6, "europe", "es", "EUR",
            ("Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Alejandro", "Paula", "Daniel", "Valeria",
             "Álvaro", "Carmen"),
            ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
             "Jiménez", "Ruiz", "Navarro"),
            (("Madrid", "Comunidad de Madrid", "280##", "Europe/Madrid"), ("Barcelona", "Cataluña", "080##",
                                                                          "Europe/Madrid"),
             ("Valencia", "Comunidad Valenciana", "460##", "Europe/Madrid"), ("Sevilla", "Andalucía", "410##",
                                                                             "Europe/Madrid")),
            ("Calle Mayor", "Gran Vía", "Paseo de Gracia", "Calle de Alcalá", "Avenida Diagonal", "Calle Serrano"),
            ("+34 91# ### ###", "+34 6## ### ###"), ("S.L.", "S.A."),
            ("Sierra Azul", "Costa Brava", "Alborada", "Mediterránea", "Solana", "Olivar")),
    Country("IT", 6, "europe", "it", "EUR",
            ("Leonardo", "Sofia", "Francesco", "Giulia", "Alessandro", "Aurora", "Lorenzo", "Alice", "Matteo",
             "Ginevra", "Niccolò", "Chiara"),
            ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
             "Bruno", "De Luca"),
            (("Milano", "Lombardia", "201##", "Europe/Rome"), ("Roma", "Lazio", "001##", "Europe/Rome"),
             ("Torino", "Piemonte", "101##", "Europe/Rome"), ("Bologna", "Emilia-Romagna", "401##", "Europe/Rome")),
            ("Via Roma", "Corso Italia", "Via Garibaldi", "Via Manzoni", "Corso Vittorio Emanuele II", "Via Dante"),
            ("+39 02 #### ####", "+39 06 #### ####", "+39 3## ### ####"), ("S.r.l.", "S.p.A."),
            ("Aurelia", "Monteverde", "Stellare", "Dolomiti", "Laguna", "Bellavista")),
    Country("NL", 5, "europe", "nl", "EUR",
            ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Levi", "Tess", "Finn", "Sophie", "Bram", "Anouk"),
            ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
             "Meijer", "de Boer", "Mulder"),
            (("Amsterdam", "Noord-Holland", "10## @@", "Europe/Amsterdam"), ("Rotterdam", "Zuid-Holland", "30## @@",
                                                                             "Europe/Amsterdam"),
             ("Utrecht", "Utrecht", "35## @@", "Europe/Amsterdam"), ("Eindhoven", "Noord-Brabant", "56## @@",
                                                                     "Europe/Amsterdam")),
            ("Keizersgracht", "Herengracht", "Coolsingel", "Oudegracht", "Stationsplein", "Damrak"),
            ("+31 20 ### ####", "+31 6 ########"), ("B.V.", "N.V."),
            ("Polderlicht", "Tulpenveld", "Dijkstra", "Zeewind", "Molenaar")),
    Country("SE", 4, "europe", "sv", "SEK",
            ("Erik", "Anna", "Lars", "Maria", "Karl", "Elin", "Björn", "Åsa", "Oskar", "Ingrid", "Nils", "Sofia"),
            ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
             "Gustafsson", "Lindström", "Bergström"),
            (("Stockholm", "Stockholms län", "11# ##", "Europe/Stockholm"), ("Göteborg", "Västra Götaland", "41# ##",
                                                                             "Europe/Stockholm"),
             ("Malmö", "Skåne", "21# ##", "Europe/Stockholm")),
            ("Drottninggatan", "Kungsgatan", "Storgatan", "Sveavägen", "Södergatan"),
            ("+46 8 ### ### ##", "+46 7# ### ## ##"), ("AB",), ("Norrsken", "Fjällvik", "Ekholm", "Sjöberg")),
    Country("PL", 4, "europe", "pl", "PLN",
            ("Jakub", "Zuzanna", "Kacper", "Julia", "Szymon", "Maja", "Łukasz", "Agnieszka", "Michał", "Katarzyna",
             "Wojciech", "Małgorzata"),
            ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
             "Szymański", "Woźniak", "Dąbrowski", "Kozłowski"),
            (("Warszawa", "Mazowieckie", "00-###", "Europe/Warsaw"), ("Kraków", "Małopolskie", "30-###",
                                                                      "Europe/Warsaw"),
             ("Wrocław", "Dolnośląskie", "50-###", "Europe/Warsaw")),
            ("ulica Marszałkowska", "ulica Floriańska", "ulica Piotrkowska", "aleje Jerozolimskie"),
            ("+48 22 ### ## ##", "+48 5## ### ###"), ("Sp. z o.o.", "S.A."), ("Wisła", "Bursztyn", "Tatry", "Orlik")),
    Country("BR", 5, "americas", "pt-BR", "BRL",
            ("João", "Maria", "Pedro", "Ana", "Lucas", "Juliana", "Gabriel", "Fernanda", "Rafael", "Beatriz",
             "Matheus", "Camila"),
            ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
             "Costa", "Ribeiro"),
            (("São Paulo", "SP", "01###-###", "America/Sao_Paulo"), ("Rio de Janeiro", "RJ", "20###-###",
                                                                     "America/Sao_Paulo"),
             ("Belo Horizonte", "MG", "30###-###", "America/Sao_Paulo")),
            ("Avenida Paulista", "Rua Augusta", "Avenida Atlântica", "Rua da Consolação", "Avenida Afonso Pena"),
            ("+55 11 3###-####", "+55 21 3###-####", "+55 11 9####-####"), ("Ltda.", "S.A."),
            ("Ipê", "Horizonte Verde", "Araucária", "Cerrado", "Maré Alta")),
    Country("MX", 4, "americas", "es-MX", "MXN",
            ("José", "Guadalupe", "Juan", "María", "Luis", "Fernanda", "Carlos", "Ximena", "Diego", "Valentina",
             "Miguel", "Regina"),
            ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
             "Cruz", "Flores", "Gómez"),
            (("Ciudad de México", "CDMX", "06###", "America/Mexico_City"), ("Guadalajara", "Jalisco", "44###",
                                                                            "America/Mexico_City"),
             ("Monterrey", "Nuevo León", "64###", "America/Monterrey")),
            ("Avenida Reforma", "Calle Madero", "Avenida Insurgentes", "Calle Morelos"),
            ("+52 55 #### ####", "+52 33 #### ####"), ("S.A. de C.V.",), ("Altiplano", "Nopal", "Quetzal", "Sol Maya")),
    Country("JP", 3, "apac", "ja", "JPY",
            ("Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Takumi", "Mei", "Kenta", "Yuki"),
            ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
             "Yoshida", "Yamada"),
            (("Tokyo", "Tokyo", "100-####", "Asia/Tokyo"), ("Osaka", "Osaka", "530-####", "Asia/Tokyo"),
             ("Yokohama", "Kanagawa", "220-####", "Asia/Tokyo")),
            ("Marunouchi", "Ginza", "Umeda", "Shibuya", "Minatomirai"),
            ("+81 3-####-####", "+81 90-####-####"), ("K.K.",), ("Aozora", "Hikari", "Midori", "Tsubasa", "Hoshino")),
    Country("IN", 4, "apac", "en", "INR",
            ("Aarav", "Ananya", "Vivaan", "Diya", "Arjun", "Priya", "Rohan", "Isha", "Karan", "Neha", "Rahul",
             "Kavya"),
            ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Joshi", "Rao", "Desai"),
            (("Bengaluru", "Karnataka", "5600##", "Asia/Kolkata"), ("Mumbai", "Maharashtra", "4000##",
                                                                    "Asia/Kolkata"),
             ("Pune", "Maharashtra", "4110##", "Asia/Kolkata")),
            ("MG Road", "Brigade Road", "Linking Road", "FC Road", "Residency Road"),
            ("+91 80 #### ####", "+91 22 #### ####", "+91 9#### #####"), ("Pvt Ltd", "Ltd")),
    Country("AU", 4, "apac", "en", "AUD",
            ("Jack", "Charlotte", "William", "Olivia", "Noah", "Mia", "Thomas", "Ruby", "James", "Chloe", "Lachlan",
             "Matilda"),
            ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin", "White",
             "Anderson", "Walker"),
            (("Sydney", "NSW", "2000", "Australia/Sydney"), ("Melbourne", "VIC", "3000", "Australia/Melbourne"),
             ("Brisbane", "QLD", "4000", "Australia/Brisbane")),
            ("George Street", "Collins Street", "Queen Street", "Pitt Street", "Flinders Street"),
            ("+61 2 5550 ####", "+61 3 5550 ####", "+61 491 570 ###"), ("Pty Ltd",), number_first=True),
]  # fmt: skip

BY_CODE = {c.code: c for c in COUNTRIES}
COUNTRY_NAMES = {"US": "USA", "CA": "Canada", "GB": "UK", "DE": "Deutschland", "FR": "France", "ES": "España",
                 "IT": "Italia", "NL": "Nederland", "SE": "Sverige", "PL": "Polska", "BR": "Brasil", "MX": "México",
                 "JP": "Japan", "IN": "India", "AU": "Australia"}  # fmt: skip

# industry: (words that end an English company name, weight)
INDUSTRIES = {
    "Software": (("Software", "Systems", "Labs", "Digital", "Cloud"), 18),
    "Manufacturing": (("Manufacturing", "Industries", "Works", "Fabrication"), 12),
    "Logistics": (("Logistics", "Freight", "Shipping"), 8),
    "Healthcare": (("Health", "Medical", "Care"), 8),
    "Financial services": (("Capital", "Financial", "Partners"), 8),
    "Retail": (("Outfitters", "Goods", "Market"), 7),
    "Energy": (("Energy", "Power", "Solar"), 6),
    "Education": (("Learning", "Academy"), 4),
    "Media": (("Media", "Studios"), 5),
    "Consulting": (("Consulting", "Advisors", "Group"), 8),
    "Telecommunications": (("Networks", "Telecom"), 4),
    "Food and beverage": (("Foods", "Brewing", "Kitchens"), 5),
    "Construction": (("Builders", "Construction"), 4),
    "Automotive": (("Motors", "Automotive"), 3),
    "Pharmaceuticals": (("Pharma", "Therapeutics", "Biosciences"), 4),
}

# job title, department, seniority (0 staff .. 3 executive)
JOBS = [
    ("Chief Executive Officer", "Executive", 3), ("Chief Technology Officer", "Engineering", 3),
    ("Chief Financial Officer", "Finance", 3), ("VP of Sales", "Sales", 3), ("VP of Marketing", "Marketing", 3),
    ("Head of Operations", "Operations", 2), ("Head of Procurement", "Procurement", 2), ("IT Director", "IT", 2),
    ("Engineering Manager", "Engineering", 2), ("Marketing Manager", "Marketing", 2), ("Sales Manager", "Sales", 2),
    ("HR Manager", "Human Resources", 2), ("Finance Manager", "Finance", 2), ("Product Manager", "Product", 1),
    ("Project Manager", "Operations", 1), ("Account Executive", "Sales", 1), ("Software Engineer", "Engineering", 0),
    ("Data Analyst", "IT", 0), ("Office Manager", "Operations", 0), ("Buyer", "Procurement", 0),
    ("Customer Success Manager", "Customer Success", 1), ("Marketing Specialist", "Marketing", 0),
    ("Controller", "Finance", 1), ("Systems Administrator", "IT", 0),
]  # fmt: skip

STAGE_PATH = ["subscriber", "lead", "marketing_qualified", "sales_qualified", "opportunity", "customer", "evangelist"]
STAGE_WEIGHTS = {"subscriber": 8, "lead": 24, "marketing_qualified": 12, "sales_qualified": 9, "opportunity": 9,
                 "customer": 28, "evangelist": 5, "other": 5}  # fmt: skip
LEAD_SOURCES = ["Website", "Referral", "Trade show", "LinkedIn", "Webinar", "Cold outreach", "Partner", "Google Ads",
                "Newsletter"]  # fmt: skip
STANCE_REASONS = {
    Stance.ADVOCATE: ["Presented our product at their board.", "Referred two new customers.",
                      "Speaks for us at user group meetings."],
    Stance.FRIENDLY: ["Good rapport with the account team.", "Happy with onboarding."],
    Stance.NEUTRAL: ["New in the role.", "Evaluates several vendors."],
    Stance.CRITICAL: ["Unhappy with the last price increase.", "Had two escalated tickets this quarter."],
    Stance.ADVERSARY: ["Champions a competitor internally."],
}  # fmt: skip
CONTACT_TAGS = ["VIP", "Decision maker", "Champion", "Technical", "Newsletter", "Event 2025", "Webinar attendee",
                "Beta tester", "Needs follow-up"]  # fmt: skip
COMPANY_TAGS = ["Enterprise", "Partner", "Reseller", "Churn risk", "Upsell", "Strategic", "Public sector"]

CUSTOM_FIELDS = [
    {"object_type": "company", "key": "contract_renewal", "label": "Contract renewal date", "field_type": "date",
     "help_text": "When the current contract ends."},
    {"object_type": "company", "key": "plan", "label": "Plan", "field_type": "choice",
     "choices": ["Starter", "Growth", "Enterprise"]},
    {"object_type": "company", "key": "arr", "label": "ARR", "field_type": "money", "currency": "USD",
     "help_text": "Annual recurring revenue."},
    {"object_type": "contact", "key": "nps", "label": "NPS score", "field_type": "number",
     "help_text": "Last answer to 'How likely are you to recommend us?' (0-10)."},
    {"object_type": "contact", "key": "interests", "label": "Interests", "field_type": "multi_choice",
     "choices": ["Product updates", "Events", "Webinars", "Case studies", "Training"]},  # INTERESTS
]  # fmt: skip
INTERESTS = CUSTOM_FIELDS[4]["choices"]
PLAN_ARR = {"Starter": (3_000, 15_000), "Growth": (15_000, 80_000), "Enterprise": (80_000, 600_000)}

# Which demo users own what (usernames of rapport.users.demo).
REGION_OWNERS = {
    "americas": ["maria.gonzalez", "james.carter", "aisha.bello", "james.carter", "aisha.bello"],
    "europe": ["lukas.schneider", "chloe.martin", "piotr.nowak", "chloe.martin", "piotr.nowak"],
    "apac": ["james.carter", "chloe.martin", "aisha.bello", "piotr.nowak"],
}
MARKETING_OWNERS = ["emma.wilson", "kenji.tanaka", "kenji.tanaka"]


# --- helpers ----------------------------------------------------------------------------------------------

_ASCII = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
                        "đ": "d", "'": "", "\u2019": ""})  # fmt: skip


def slug(text: str, sep: str = "-") -> str:
    """``Müller & Söhne`` -> ``muller-sohne``: ASCII letters and digits for email addresses and domains."""
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in text).split()
    return sep.join(words)


def _fill(rng: random.Random, pattern: str) -> str:
    return "".join(
        str(rng.randint(0, 9)) if ch == "#" else rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") if ch == "@" else ch
        for ch in pattern
    )


def phone(rng: random.Random, country: Country, *, mobile: bool = False) -> tuple[str, str]:
    """``(E.164, as displayed)``: a number that libphonenumber accepts as valid for the country."""
    templates = country.phones[-1:] if mobile else country.phones[:-1] or country.phones
    for _ in range(50):
        text = _fill(rng, rng.choice(templates))
        number = phonenumbers.parse(text)
        if phonenumbers.is_valid_number(number):
            return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))  # fmt: skip
    number = phonenumbers.example_number(country.code)
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))  # fmt: skip


def address(rng: random.Random, country: Country, *, label: str, city=None) -> dict:
    city, region, postcode, _zone = city or rng.choice(country.cities)
    return {"label": label, "street": rng.choice(country.streets), "number": str(rng.randint(1, 240)),
            "city": city, "postcode": _fill(rng, postcode), "region": region, "country": country.code,
            "is_primary": True}  # fmt: skip


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _past(rng: random.Random, now: datetime, *, days: int, recent_bias: float = 1.0) -> datetime:
    """A moment in the last ``days`` days; ``recent_bias`` > 1 favours recent ones."""
    share = rng.random() ** recent_bias
    return now - timedelta(days=days * share, seconds=rng.randint(0, 86_399))


# --- generated records ------------------------------------------------------------------------------------


@dataclass
class DemoCompany:
    index: int
    country: Country
    name: str
    domain: str
    industry: str
    parent: int | None = None
    level: int = 0
    city: tuple = ()
    owner: str | None = None
    created_at: datetime | None = None
    pk: int | None = None
    people: list[int] = field(default_factory=list)


@dataclass
class DemoContact:
    index: int
    country: Country
    first: str
    last: str
    company: int | None
    stage: str
    owner: str | None
    created_at: datetime
    email: str = ""
    pk: int | None = None


@dataclass
class DemoData:
    """What the data hub's demo created, for the other apps' demo data (interactions, tasks...)."""

    companies: list[Company]
    contacts: list[Contact]
    users: dict  # username -> User
    created: bool
    counts: dict = field(default_factory=dict)


# --- companies --------------------------------------------------------------------------------------------


def _company_names(rng: random.Random) -> list[DemoCompany]:
    countries = [c for c in COUNTRIES for _ in range(c.weight)]
    industries = {name: weight for name, (_, weight) in INDUSTRIES.items()}
    taken_names, taken_domains = set(), set()
    out: list[DemoCompany] = []

    def new(country: Country, industry: str, *, name=None, domain=None) -> DemoCompany | None:
        if name is None:
            stem = rng.choice(country.stems or EN_STEMS)
            name = f"{stem} {rng.choice(INDUSTRIES[industry][0])}"
        domain = domain or f"{slug(name)}.example"
        if name.lower() in taken_names or domain in taken_domains:
            return None
        taken_names.add(name.lower())
        taken_domains.add(domain)
        company = DemoCompany(len(out), country, name, domain, industry, city=rng.choice(country.cities))
        out.append(company)
        return company

    # Groups first: a parent and its subsidiaries, some of them with their own, up to four levels.
    while len(out) < 170:
        country = rng.choice(countries)
        industry = weighted(rng, industries)
        top = new(country, industry)
        if top is None:
            continue
        level = [top]
        for depth in (1, 2, 3):
            below = []
            for parent in level:
                n = (
                    rng.randint(2, 4)
                    if depth == 1
                    else rng.choice((0, 0, 1, 2))
                    if depth == 2
                    else rng.choice((0, 0, 0, 1))
                )
                for _ in range(n):
                    sub_country = rng.choice(countries)
                    if rng.random() < 0.55:  # a branch carrying the group's name
                        brand = top.name
                        label = (
                            COUNTRY_NAMES[sub_country.code]
                            if sub_country.code != top.country.code
                            else rng.choice(sub_country.cities)[0]
                        )
                        name = f"{brand} {label}"
                        domain = f"{slug(label)}.{top.domain}"
                        child = new(sub_country, industry, name=name, domain=domain)
                    else:  # an acquired company keeping its own name
                        child = new(sub_country, rng.choice([industry, weighted(rng, industries)]))
                    if child is not None:
                        child.parent, child.level = parent.index, depth
                        below.append(child)
            level = below
    while len(out) < N_COMPANIES:
        new(rng.choice(countries), weighted(rng, industries))
    return out


def _owner_for(rng: random.Random, country: Country) -> str | None:
    if rng.random() < 0.03:
        return None  # a few records nobody owns yet: the data-quality page has something to show
    return rng.choice(REGION_OWNERS[country.region])


def _build_companies(rng, now, users, tags, fields) -> tuple[list[DemoCompany], list[Company], dict]:
    plans = fields.get("plan")
    demo = _company_names(rng)
    rows, children = [], {"domains": [], "addresses": [], "tags": []}
    for d in demo:
        d.owner = _owner_for(rng, d.country)
        owner = users.get(d.owner)
        d.created_at = _past(rng, now, days=HISTORY_DAYS + 300, recent_bias=0.8)
        size = rng.choice([SizeBand.S5, SizeBand.S6, SizeBand.S7]) if d.parent is None and d.index < 60 else \
            rng.choice(list(SizeBand))  # fmt: skip
        revenue = None
        if rng.random() < 0.8:
            base = {"1-10": 1, "11-50": 5, "51-200": 20, "201-500": 60, "501-1000": 150, "1001-5000": 600,
                    "5001+": 3000}[size]  # fmt: skip
            revenue = round(base * rng.uniform(0.4, 2.5) * 1_000_000, -3)
        e164, display = phone(rng, d.country) if rng.random() < 0.9 else ("", "")
        custom = {}
        if plans is not None and rng.random() < 0.6:
            plan = rng.choices(["Starter", "Growth", "Enterprise"], weights=[5, 4, 2])[0]
            low, high = PLAN_ARR[plan]
            custom["plan"] = plan
            if "arr" in fields:
                custom["arr"] = rng.randrange(low, high, 500)
            if "contract_renewal" in fields:
                custom["contract_renewal"] = (now.date() + timedelta(days=rng.randint(-30, 400))).isoformat()
        company = Company(
            name=d.name, legal_name=f"{d.name} {rng.choice(d.country.suffixes)}", domain=d.domain,
            industry=d.industry if rng.random() < 0.95 else "", size_band=size if rng.random() < 0.93 else "",
            annual_revenue=revenue, revenue_currency=d.country.currency if revenue is not None else "",
            phone=e164, phone_display=display, website=f"https://{d.domain}" if rng.random() < 0.92 else "",
            linkedin=f"https://www.linkedin.com/company/{slug(d.name)}" if rng.random() < 0.6 else "",
            owner=owner, team_id=owner.team_id if owner else None, external_id=f"{COMPANY_PREFIX}{d.index + 1:04d}",
            custom=custom, created_by=owner,
        )  # fmt: skip
        has_address = rng.random() < 0.9
        company.completeness = completeness("company", {
            "domain": True, "industry": bool(company.industry), "size_band": bool(company.size_band),
            "phone": bool(e164), "website": bool(company.website), "address": has_address, "owner": owner is not None,
        })  # fmt: skip
        rows.append(company)
        children["domains"].append((d.index, d.domain, True))
        if d.parent is None and rng.random() < 0.15:
            children["domains"].append((d.index, f"{slug(d.name, '')}.example", False))
        if has_address:
            children["addresses"].append((d.index, address(rng, d.country, label="Head office", city=d.city)))
        for tag in rng.sample(COMPANY_TAGS, k=rng.choice((0, 0, 0, 1, 1, 2))):
            children["tags"].append((d.index, tags[tag]))
    return demo, rows, children


# --- contacts ---------------------------------------------------------------------------------------------


def _lifecycle_dates(rng, stage: str, created: datetime, now: datetime) -> dict:
    if not stage:
        return {}
    if stage == "other":
        return {"other": created.date().isoformat()}
    path = STAGE_PATH[: STAGE_PATH.index(stage) + 1]
    start = path.index(rng.choice(path[:2])) if stage != "subscriber" else 0
    path = path[start:]
    span = max((now - created).days, len(path))
    steps = sorted(rng.sample(range(span), k=len(path) - 1)) if len(path) > 1 else []
    days = [0, *steps]
    return {s: (created + timedelta(days=d)).date().isoformat() for s, d in zip(path, days, strict=True)}


def _build_contacts(rng, now, demo_companies, users, tags, fields):
    countries = [c for c in COUNTRIES for _ in range(c.weight)]
    stages = dict(STAGE_WEIGHTS)
    jobs_by_rank = sorted(JOBS, key=lambda j: -j[2])
    contacts, children = [], {"emails": [], "phones": [], "addresses": [], "memberships": [], "tags": []}
    people: list[DemoContact] = []
    emails_taken: set[str] = set()
    # Bigger companies get more people; every company somebody.
    weights = [6 if c.parent is None and c.index < 170 else 3 if c.level else 2 for c in demo_companies]
    for i in range(N_CONTACTS):
        company = demo_companies[i] if i < len(demo_companies) else (
            rng.choices(demo_companies, weights=weights)[0] if rng.random() < 0.92 else None)  # fmt: skip
        country = company.country if company and rng.random() < 0.85 else rng.choice(countries)
        first, last = rng.choice(country.firsts), rng.choice(country.lasts)
        stage = weighted(rng, stages) if rng.random() < 0.95 else ""
        if company is not None and company.owner and stage not in ("subscriber", "lead", "marketing_qualified"):
            owner = company.owner if rng.random() < 0.85 else _owner_for(rng, company.country)
        elif stage in ("subscriber", "lead", "marketing_qualified") and rng.random() < 0.5:
            owner = rng.choice(MARKETING_OWNERS)
        else:
            owner = _owner_for(rng, company.country if company else country)
        created = _past(rng, now, days=HISTORY_DAYS, recent_bias=0.9)
        if company is not None and company.created_at and created < company.created_at:
            created = company.created_at + timedelta(hours=rng.randint(1, 2000))
            created = min(created, now - timedelta(hours=1))
        people.append(DemoContact(i, country, first, last, company.index if company else None, stage, owner, created))

    for p in people:
        company = demo_companies[p.company] if p.company is not None else None
        owner = users.get(p.owner)
        job = rng.choice(jobs_by_rank[:6] if company is not None and not company.people else JOBS)
        if company is not None:
            company.people.append(p.index)
        local = slug(p.first, "") + "." + slug(p.last, "")
        domain = company.domain if company else rng.choice(["mail.example", "post.example", "inbox.example"])
        email, n = f"{local}@{domain}", 1
        while email in emails_taken:
            n += 1
            email = f"{local}{n}@{domain}"
        emails_taken.add(email)
        p.email = email
        row_emails = [(email, "work" if company else "personal", True)]
        if rng.random() < 0.12:
            other = f"{slug(p.first, '')}{rng.randint(1, 99)}@{rng.choice(['mail.example', 'post.example'])}"
            if other not in emails_taken:
                emails_taken.add(other)
                row_emails.append((other, "personal", False))
        row_phones = []
        if rng.random() < 0.82:
            row_phones.append((*phone(rng, p.country, mobile=rng.random() < 0.5), "work", True))
            if rng.random() < 0.25:
                mobile = phone(rng, p.country, mobile=True)
                if mobile[0] != row_phones[0][0]:
                    row_phones.append((*mobile, "mobile", False))
        has_address = rng.random() < 0.35
        stance = ""
        if rng.random() < 0.25:
            stance = rng.choices(list(Stance), weights=[2, 5, 4, 2, 1])[0]
        city = rng.choice(p.country.cities)
        custom = {}
        if "nps" in fields and p.stage in ("customer", "evangelist") and rng.random() < 0.6:
            custom["nps"] = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 3, 4, 8, 12, 10, 8])[0]
        if "interests" in fields and rng.random() < 0.4:
            custom["interests"] = sorted(rng.sample(INTERESTS, k=rng.randint(1, 3)))
        title, department, _rank = job
        contact = Contact(
            first_name=p.first, last_name=p.last,
            display_name=normalize.display_name(first=p.first, last=p.last), email=email,
            phone=row_phones[0][0] if row_phones else "", company_id=company.pk if company else None,
            job_title=title if company is not None or rng.random() < 0.3 else "",
            department=department if company is not None and rng.random() < 0.7 else "",
            birth_date=date(rng.randint(1958, 2001), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.15 else None,
            language=p.country.language if rng.random() < 0.8 else "", time_zone=city[3],
            lifecycle_stage=p.stage, lifecycle_dates=_lifecycle_dates(rng, p.stage, p.created_at, now),
            lead_source=rng.choice(LEAD_SOURCES) if rng.random() < 0.75 else "",
            email_opt_in=rng.random() < 0.6, phone_opt_in=rng.random() < 0.3,
            sms_opt_in=rng.random() < 0.15, post_opt_in=rng.random() < 0.1,
            preferred_channel=rng.choice(["", "", "email", "email", "phone", "sms"]),
            do_not_contact=rng.random() < 0.02, stance=stance,
            stance_reason=rng.choice(STANCE_REASONS[stance]) if stance else "",
            stance_set_by=owner if stance else None,
            stance_set_at=_past(rng, now, days=max((now - p.created_at).days, 1)) if stance else None,
            linkedin=f"https://www.linkedin.com/in/{slug(p.first)}-{slug(p.last)}-{p.index:04x}"
            if rng.random() < 0.5 else "",
            owner=owner, team_id=owner.team_id if owner else None, external_id=f"{CONTACT_PREFIX}{p.index + 1:05d}",
            custom=custom, created_by=owner,
        )  # fmt: skip
        contact.completeness = completeness("contact", {
            "first_name": True, "last_name": True, "email": True, "phone": bool(row_phones),
            "company": company is not None, "job_title": bool(contact.job_title), "address": has_address,
            "lifecycle_stage": bool(p.stage), "owner": owner is not None,
        })  # fmt: skip
        contacts.append(contact)
        for value, label, primary in row_emails:
            children["emails"].append((p.index, ContactEmail(email=value, label=label, is_primary=primary)))
        for e164, display, label, primary in row_phones:
            children["phones"].append((p.index, ContactPhone(number=e164, display=display, label=label,
                                                             is_primary=primary)))  # fmt: skip
        if has_address:
            children["addresses"].append((p.index, address(rng, p.country, label="work" if company else "home",
                                                           city=city)))  # fmt: skip
        if company is not None:
            children["memberships"].append((p.index, company.index, title, True))
            if rng.random() < 0.04:
                other = rng.choice(demo_companies)
                if other.index != company.index:
                    children["memberships"].append((p.index, other.index, "Board member", False))
        for tag in rng.sample(CONTACT_TAGS, k=rng.choice((0, 0, 1, 1, 2, 3))):
            children["tags"].append((p.index, tags[tag]))
    return people, contacts, children


# --- loading ----------------------------------------------------------------------------------------------


def demo_present() -> bool:
    return (
        Contact.objects.filter(external_id__startswith=CONTACT_PREFIX).exists()
        or Company.objects.filter(external_id__startswith=COMPANY_PREFIX).exists()
    )


def ensure_custom_fields(*, actor) -> dict[str, CustomField]:
    """The demo's custom fields, created through the service where missing (those an admin made with the same key
    but another type are left alone, and get no demo values)."""
    from .services import custom_field_create

    out = {}
    for spec in CUSTOM_FIELDS:
        existing = CustomField.objects.filter(object_type=spec["object_type"], key=spec["key"]).first()
        if existing is None:
            existing = custom_field_create(actor=actor, data=spec)
        if existing.field_type == spec["field_type"] and existing.is_active:
            out[spec["key"]] = existing
    for key in ("plan", "interests"):  # choice fields: only if they offer the demo's choices
        wanted = next(spec["choices"] for spec in CUSTOM_FIELDS if spec["key"] == key)
        if key in out and not set(wanted) <= set(out[key].choices):
            del out[key]
    return out


def _bulk(model, rows) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _adapter(field):
    """How a value of ``field`` is handed to the database driver (the fast path for the common types)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def insert_rows(model, names: list[str], rows: list[tuple]) -> None:
    """Insert plain rows (no ids needed back), many per statement: for the biggest demo tables, where the ORM's
    per-object work would dominate."""
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(f) for f in fields]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    per_statement = max(1, min(1000, (connection.features.max_query_params or 65_535) // len(fields)))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608 - quoted names
            cursor.execute(sql, [a(v) for row in chunk for a, v in zip(adapters, row, strict=True)])


def update_rows(model, names: list[str], rows: list[tuple]) -> None:
    """``UPDATE ... SET names WHERE id`` for rows ``(id, *values)``, with one ``executemany`` (bulk_update's
    CASE expressions are slow for thousands of rows). For times the services set themselves (auto_now)."""
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(f) for f in fields]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*(a(v) for a, v in zip(adapters, values, strict=True)), pk] for pk, *values in rows])


@transaction.atomic
def create_demo_records(*, actor, users: dict, seed: int = SEED) -> DemoData:
    """Create the demo companies and contacts (nothing if they are there already)."""
    from .services._records import tags_by_name

    if demo_present():
        return DemoData(
            companies=list(Company.objects.filter(external_id__startswith=COMPANY_PREFIX)),
            contacts=list(Contact.objects.filter(external_id__startswith=CONTACT_PREFIX)),
            users=users, created=False,
        )  # fmt: skip
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    fields = ensure_custom_fields(actor=actor)
    tags = {t.name: t for t in tags_by_name([*CONTACT_TAGS, *COMPANY_TAGS])}
    tags = {name: tags.get(name) or next(t for t in tags.values() if t.name.lower() == name.lower())
            for name in [*CONTACT_TAGS, *COMPANY_TAGS]}  # fmt: skip

    demo_companies, company_rows, company_children = _build_companies(rng, now, users, tags, fields)
    companies = _bulk(Company, company_rows)
    for d, company in zip(demo_companies, companies, strict=True):
        d.pk = company.pk
        company.created_at = company.updated_at = d.created_at
        company.parent_id = demo_companies[d.parent].pk if d.parent is not None else None
    update_rows(Company, ["parent", "created_at", "updated_at"],
                [(c.pk, c.parent_id, c.created_at, c.updated_at) for c in companies])  # fmt: skip
    _bulk(CompanyDomain, [CompanyDomain(company_id=demo_companies[i].pk, domain=domain, is_primary=primary)
                          for i, domain, primary in company_children["domains"]])  # fmt: skip
    _bulk(CompanyTag, [CompanyTag(company_id=demo_companies[i].pk, tag=tag) for i, tag in company_children["tags"]])

    people, contact_rows, contact_children = _build_contacts(rng, now, demo_companies, users, tags, fields)
    contacts = _bulk(Contact, contact_rows)
    for p, contact in zip(people, contacts, strict=True):
        p.pk = contact.pk
        contact.created_at = p.created_at
        contact.updated_at = max(p.created_at, contact.stance_set_at or p.created_at)
    update_rows(Contact, ["created_at", "updated_at"], [(c.pk, c.created_at, c.updated_at) for c in contacts])
    pk = {p.index: p.pk for p in people}
    for i, email in contact_children["emails"]:
        email.contact_id = pk[i]
    for i, number in contact_children["phones"]:
        number.contact_id = pk[i]
    _bulk(ContactEmail, [e for _, e in contact_children["emails"]])
    _bulk(ContactPhone, [n for _, n in contact_children["phones"]])
    _bulk(Membership, [Membership(contact_id=pk[i], company_id=demo_companies[c].pk, role=role, is_primary=primary)
                       for i, c, role, primary in contact_children["memberships"]])  # fmt: skip
    _bulk(ContactTag, [ContactTag(contact_id=pk[i], tag=tag) for i, tag in contact_children["tags"]])
    _bulk(Address, [Address(company_id=demo_companies[i].pk, **a) for i, a in company_children["addresses"]]
          + [Address(contact_id=pk[i], **a) for i, a in contact_children["addresses"]])  # fmt: skip

    counts = {"companies": len(companies), "contacts": len(contacts),
              "subsidiaries": sum(1 for d in demo_companies if d.parent is not None)}  # fmt: skip
    audit.record(actor=actor, action="demo", object_type="contact", object_repr="Demo data",
                 changes=counts)  # fmt: skip
    hooks.records_changed("company", [c.pk for c in companies])
    hooks.records_changed("contact", [c.pk for c in contacts])
    return DemoData(companies=companies, contacts=contacts, users=users, created=True, counts=counts)


def demo_users() -> dict:
    """The demo users by username (those that exist)."""
    from rapport.users.demo import USERS
    from rapport.users.models import User

    users = User.objects.filter(username__in=[row[0] for row in USERS]).select_related("role", "team")
    return {u.username: u for u in users}
