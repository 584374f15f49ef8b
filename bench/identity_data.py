"""Labelled person records with known duplicates, to measure a duplicate matcher (precision, recall, F1).

``generate(n)`` streams ``n`` records like those of a CRM filled from several sources over years; every record
carries the id of the true person it describes (``entity_id``), so ``true_pairs`` gives the pairs a perfect
matcher would find. Deterministic for a given ``(n, duplicate_share, seed)``; about 20 s and 30 MB (peak RSS of
the process) for a million records: records are yielded as they are made, only the people whose copies are still
to come are kept::

    records = list(generate(10_000))
    truth = true_pairs(records)

    .venv/bin/python bench/identity_data.py 100000 /tmp/people.csv      # CSV, streamed

**People.** 12 countries (US, GB, DE, FR, IN, ES, IT, CN, NL, PL, CA, AE), each with its mix of name cultures
(English, French, German, Spanish, Italian, Dutch, Polish, Indian, Chinese, Arabic): a country's people mostly have
its names, some another culture's. Names are drawn with Zipf-like weights (the first of each list the most common,
``NAME_EXPONENT``), so namesakes are frequent: 2% of the records are Johns, 4% Smiths, and a million records hold
about 2,000 *different* John Smiths. Spanish people often have two surnames, Polish women ``-ska``/``-cka``
surnames, a third of English and Arabic people a middle name. Birth dates 1940-2005 (peak in the 1970s). Emails are
made from the name (``first.last@``, ``flast@``, ``firstlast84@``...) at a free mail provider, a national ISP or the
employer's domain; an address already given to someone else gets a number (a bit set of 32 bits per record remembers
them, so namesakes nearly always get different emails). Phones: numbers of the city's area code or a national mobile
range, each person with a preferred format among the country's usual ones (``+44 20 7946 0958``, ``020 7946 0958``,
``(415) 555-2671``, ``4155552671``, ``+49 (0)30 12345678``...). Addresses: a street of the country, a city with its
region and a postcode of the city's real ranges (none in the UAE). 60% of people have an employer (from a list, with
the country's legal form: Ltd, Inc., GmbH, S.L....).

**Every record** (original or duplicate) then loses, independently: the birth date (10%), the email (15%), the phone
(20%), the address (10%; street, number, postcode and region, and the city half the time).

**Duplicates.** About ``duplicate_share`` of the records are extra copies of an earlier person: 1 extra copy (60% of
duplicated people), 2 (25%), 3 (10%) or 4 (5%), each placed 2 to ``MAX_DELAY`` (50,000; n/5 for smaller n) records
later (the last few records flush the copies still pending). Each copy gets 1 (45%), 2 (30%), 3 (17%) or 4 (8%)
corruptions, drawn with these weights (one that does not apply, like a nickname for "Wei", is replaced):

====================  ======  ===========================================================================
corruption            weight  what it does
====================  ======  ===========================================================================
name typo               14    first or last name: a letter dropped, doubled, swapped with the next, or
                              replaced by a neighbour on a QWERTY keyboard
nickname                 8    Robert -> Bob, Elizabeth -> Liz, José -> Pepe, Giuseppe -> Beppe, Katarzyna ->
                              Kasia, Mohammed -> Muhammad... (about 200 pairs, both directions)
respelling               6    accents dropped (José -> Jose, Müller -> Muller or Mueller, Łukasz -> Lukasz),
                              particles and punctuation (van Dijk -> Van Dijk, O'Brien -> OBrien, Al-Sayed ->
                              Al Sayed), a second Spanish surname dropped
name case                5    ALL CAPS, all lower, SURNAME in caps, Title Case
first initial            4    "J." or "J"
names swapped            3    first and last name exchanged
middle name              5    dropped or reduced to an initial; added when there was none
married name           1.5    another surname, or a double-barrelled one (Smith-Jones)
birth date swapped       4    day and month exchanged (only when the day is 12 or less)
birth date typo          4    one digit of the date changed (still a valid date)
birth date missing       4
email variant            6    case changed; for Gmail dots dropped, a +tag added, googlemail.com
email changed            4    another address: a new job (new employer and work email) or another provider
email missing            5
phone reformatted        8    the same number in another format (with or without the country code)
phone missing            5
moved                    4    another street, number and postcode, in another city half the time
address format           8    St/Street, Rd/Road, Straße/Str./Strasse, C/, ul.; postcode spacing and case,
                              "D-80331", ZIP+4 or a lost leading zero; city alias (Munich, Bombay, NYC); region
                              alias (CA/California) or dropped
fields missing           5    1 to 3 of middle name, birth date, email, phone, address fields, company, country
company variant          5    legal form dropped, added or spelled otherwise (Ltd./Limited, Inc/Incorporated),
                              "&"/"and", caps, "The"
====================  ======  ===========================================================================

**Placeholders.** About 1% of the records are junk, each its own person (not duplicates of each other):
``test@test.com``, ``noemail@example.com``, phones ``0000000000`` or ``1234567890``, names "N/A", "Unknown",
"Test Test", birth dates 1900-01-01 or 1970-01-01; half of them have a real-looking name with junk contact data.
"""

from __future__ import annotations

import csv
import random
import re
import sys
import unicodedata
import zlib
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from heapq import heappop, heappush
from itertools import accumulate, combinations
from typing import NamedTuple

__all__ = ["FIELDS", "generate", "true_pairs"]

FIELDS = (
    "id", "entity_id", "first_name", "middle_name", "last_name", "date_of_birth", "email", "phone",
    "street_number", "street", "city", "postcode", "region", "country", "company",
)  # fmt: skip
ADDRESS_FIELDS = ("street_number", "street", "city", "postcode", "region")

MISSING_RATE = {"date_of_birth": 0.10, "email": 0.15, "phone": 0.20, "address": 0.10}
COMPANY_RATE = 0.60  # people with an employer
WORK_EMAIL_RATE = 0.30  # of people with an employer
PLACEHOLDER_SHARE = 0.01  # of all records
EXTRA_COPIES = ((1, 60), (2, 25), (3, 10), (4, 5))  # extra records of a duplicated person
CORRUPTION_COUNTS = ((1, 45), (2, 30), (3, 17), (4, 8))  # corruptions per duplicate record
MAX_DELAY = 50_000  # a copy comes at most this many records after the person's first record
MAX_DUPLICATE_SHARE = 0.6  # a little more, and every person would have to be duplicated
BIRTH_FIRST, BIRTH_MODE, BIRTH_LAST = date(1940, 1, 1), date(1974, 1, 1), date(2005, 12, 31)


# --- drawing with weights ------------------------------------------------------------------------------------


class Weighted:
    """Values drawn in proportion to their weights (binary search on the cumulative weights)."""

    __slots__ = ("cumulative", "last", "total", "values")

    def __init__(self, values: Sequence, weights: Iterable[float]):
        self.values = tuple(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(self.values) - 1

    def draw(self, uniform: Callable[[], float]):
        return self.values[bisect(self.cumulative, uniform() * self.total, 0, self.last)]


def zipf(values: Sequence, exponent: float = 1.0) -> Weighted:
    """The first values much more common than the last ones (weight 1 / rank ** exponent)."""
    return Weighted(values, [1 / rank**exponent for rank in range(1, len(values) + 1)])


def from_pairs(weighted: Sequence[tuple]) -> Weighted:
    """A ``Weighted`` of ``(value, weight)`` pairs."""
    return Weighted([value for value, _ in weighted], [weight for _, weight in weighted])


def names(text: str) -> list[str]:
    """A comma-separated list of names (some hold spaces: "José Luis", "van Dijk")."""
    return [name.strip() for name in text.split(",") if name.strip()]


# --- names ---------------------------------------------------------------------------------------------------


NAME_EXPONENT = 0.7  # Zipf exponent of first names and surnames (higher: more namesakes)


class Culture(NamedTuple):
    male: Weighted
    female: Weighted
    surnames: Weighted
    middle_rate: float  # share of people with a middle name
    double_surname_rate: float = 0.0  # Spanish: father's and mother's surnames


def culture(male: str, female: str, surnames: str, middle_rate: float, double_surname_rate: float = 0.0) -> Culture:
    given, family = (zipf(names(text), NAME_EXPONENT) for text in (male, female)), zipf(names(surnames), NAME_EXPONENT)
    return Culture(*given, family, middle_rate, double_surname_rate)


CULTURES = {
    "en": culture(
        "John, David, Michael, James, Robert, William, Richard, Thomas, Christopher, Daniel, Paul, Mark, Andrew, "
        "Steven, Peter, Joseph, Matthew, Anthony, Edward, Charles, Stephen, Benjamin, Samuel, Jonathan, Nicholas, "
        "Patrick, George, Alexander, Oliver, Harry, Jack, Kevin, Brian, Gary, Ryan, Liam, Noah, Ethan",
        "Mary, Sarah, Elizabeth, Jennifer, Susan, Margaret, Jessica, Emma, Emily, Katherine, Lisa, Karen, Patricia, "
        "Linda, Rebecca, Laura, Rachel, Hannah, Charlotte, Olivia, Sophie, Amy, Victoria, Samantha, Catherine, "
        "Deborah, Christine, Alexandra, Zoë, Chloe, Grace, Lucy, Helen, Claire, Anne, Nicole, Megan",
        "Smith, Johnson, Williams, Brown, Jones, Taylor, Miller, Davis, Wilson, Evans, Thomas, Roberts, Walker, "
        "Wright, Thompson, White, Hughes, Edwards, Green, Hall, Wood, Harris, Clarke, Jackson, Moore, Martin, "
        "Lewis, Robinson, Anderson, Murphy, O'Brien, Campbell, Stewart, Bennett, Cooper, Turner, Morgan, Phillips, "
        "Baker, Collins, Mitchell, Kelly, Young, King, Scott, McDonald, Ward, Carter, O'Connor, Price",
        middle_rate=0.35,
    ),
    "fr": culture(
        "Jean, Pierre, Michel, Philippe, Nicolas, Alain, François, Thomas, Julien, Laurent, Frédéric, Christophe, "
        "Sébastien, Guillaume, Alexandre, Antoine, Jérôme, Olivier, Éric, Stéphane, Maxime, Hugo, Lucas, Théo, "
        "Jean-Pierre, Jean-Luc, Benoît, Loïc, Hervé, Mathieu",
        "Marie, Nathalie, Isabelle, Sylvie, Catherine, Sophie, Céline, Camille, Julie, Aurélie, Émilie, Hélène, "
        "Valérie, Chloé, Léa, Manon, Inès, Claire, Anaïs, Margaux, Élodie, Stéphanie, Françoise, Brigitte, "
        "Marie-Claire, Océane",
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, Lefèvre, "
        "Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, Lefebvre, Mercier, "
        "Dupont, Lambert, Bonnet, François, Martinez, Legrand, Garnier, Faure, Rousseau, Blanc, Guérin, Muller, "
        "Henry, Chevalier, Boyer, Gauthier, Perrin, Morin, Clément, Lemaire, Duval, Lacroix, Fontaine",
        middle_rate=0.15,
    ),
    "de": culture(
        "Thomas, Michael, Andreas, Stefan, Christian, Peter, Markus, Klaus, Wolfgang, Jürgen, Frank, Matthias, "
        "Alexander, Martin, Daniel, Tobias, Sebastian, Jan, Lukas, Maximilian, Florian, Jörg, Uwe, Dieter, Hans, "
        "Johannes, Friedrich, Wilhelm, Björn, Günter, Felix, Jonas",
        "Sabine, Petra, Susanne, Andrea, Claudia, Monika, Stefanie, Julia, Katharina, Anna, Laura, Lena, Sarah, "
        "Jana, Nicole, Birgit, Ursula, Heike, Elisabeth, Margarete, Jessica, Sophie, Marie, Lea, Käthe, Hannah, "
        "Leonie, Jutta, Doris, Anja",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch, "
        "Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, "
        "Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, Schmid, Schulze, Maier, Köhler, Herrmann, König, "
        "Walter, Mayer, Huber, Kaiser, Fuchs, Peters, Lang, Scholz, Möller, Weiß, Jung, Hahn, Vogel, Keller, "
        "Günther, Berger, Winkler, Roth, Beck, Lorenz, Baumann",
        middle_rate=0.25,
    ),
    "es": culture(
        "José, Antonio, Manuel, Francisco, Juan, David, Javier, Daniel, Carlos, Jesús, Alejandro, Miguel, Rafael, "
        "Pedro, Pablo, Ángel, Sergio, Fernando, Jorge, Luis, Alberto, Álvaro, Diego, Adrián, Raúl, Enrique, "
        "Ignacio, Ramón, Andrés, Iván, Rubén, Óscar, José Luis, Juan Carlos",
        "María, Carmen, Ana, Isabel, Laura, Cristina, Marta, Lucía, Dolores, Pilar, Elena, Sara, Paula, Raquel, "
        "Rosa, Teresa, Beatriz, Patricia, Silvia, Sofía, Andrea, Irene, Nuria, Julia, Alba, Guadalupe, "
        "María José, Mercedes, Inés, Concepción, Montserrat",
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz, "
        "Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, Vázquez, "
        "Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, "
        "Marín, Sanz, Núñez, Iglesias, Medina, Garrido, Cortés, Castillo",
        middle_rate=0.05,
        double_surname_rate=0.4,
    ),
    "it": culture(
        "Giuseppe, Giovanni, Antonio, Mario, Luigi, Francesco, Angelo, Vincenzo, Pietro, Salvatore, Carlo, "
        "Franco, Domenico, Bruno, Paolo, Michele, Giorgio, Aldo, Sergio, Luca, Marco, Andrea, Alessandro, Roberto, "
        "Stefano, Matteo, Lorenzo, Davide, Simone, Federico, Niccolò",
        "Maria, Anna, Giuseppina, Rosa, Angela, Giovanna, Teresa, Lucia, Carmela, Francesca, Sara, Giulia, Chiara, "
        "Federica, Valentina, Alessandra, Elena, Martina, Silvia, Paola, Laura, Elisa, Sofia, Aurora, Beatrice, "
        "Noemi, Ilaria",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, Conti, "
        "De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro, Mariani, "
        "Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile, Martinelli, Vitale, Lombardo, Serra, "
        "Coppola, De Santis, D'Angelo, Marchetti, Parisi, Villa, Conte, Ferri, Fabbri, Bianco, Marini, Grasso, "
        "Valentini, Messina, Sala, De Angelis, Gatti, Pellegrini, Palumbo, Sanna, Farina, Rizzi, Monti, Cattaneo",
        middle_rate=0.10,
    ),
    "nl": culture(
        "Jan, Johannes, Pieter, Cornelis, Hendrik, Willem, Gerrit, Dirk, Daan, Sem, Lucas, Thijs, Bram, Ruben, "
        "Jeroen, Bas, Maarten, Sander, Joost, Wouter, Koen, Niels, Stijn, Tim, Mark, Henk, Kees",
        "Maria, Anna, Johanna, Cornelia, Wilhelmina, Emma, Sophie, Julia, Tess, Anouk, Sanne, Lotte, Fleur, Eva, "
        "Lisa, Femke, Marieke, Inge, Ingrid, Saskia, Annemarie, Esther, Lieke, Noor",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, de Boer, "
        "Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, Smits, "
        "de Graaf, van der Meer, van der Linden, Kok, Jacobs, de Haan, Vermeulen, van den Heuvel, van der Veen, "
        "van den Broek, de Bruijn, van der Heijden, Schouten, van Beek, Willems, van Vliet",
        middle_rate=0.15,
    ),
    "pl": culture(
        "Piotr, Krzysztof, Andrzej, Tomasz, Paweł, Jan, Michał, Marcin, Jakub, Adam, Łukasz, Marek, Grzegorz, "
        "Mateusz, Wojciech, Mariusz, Dariusz, Zbigniew, Kamil, Maciej, Aleksander, Szymon, Stanisław, Władysław, "
        "Jerzy, Józef",
        "Anna, Maria, Katarzyna, Małgorzata, Agnieszka, Barbara, Ewa, Krystyna, Elżbieta, Magdalena, Joanna, "
        "Zofia, Aleksandra, Monika, Teresa, Danuta, Natalia, Karolina, Marta, Beata, Dorota, Halina, Jadwiga, "
        "Justyna, Paulina, Łucja",
        "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański, Woźniak, "
        "Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk, Piotrowski, Grabowski, Nowakowski, "
        "Pawłowski, Michalski, Nowicki, Adamczyk, Dudek, Zając, Wieczorek, Jabłoński, Król, Majewski, Olszewski, "
        "Jaworski, Wróbel, Malinowski, Pawlak, Witkowski, Walczak, Stępień, Górski, Rutkowski, Michalak",
        middle_rate=0.15,
    ),
    "in": culture(
        "Rahul, Amit, Rajesh, Suresh, Ramesh, Vijay, Sanjay, Anil, Sunil, Arun, Ravi, Deepak, Manoj, Ajay, Vikram, "
        "Arjun, Rohan, Aditya, Karthik, Venkatesh, Srinivas, Ganesh, Prakash, Mahesh, Naveen, Harish, Nikhil, "
        "Siddharth, Abhishek, Anand, Subramanian, Krishna",
        "Priya, Anjali, Pooja, Sunita, Anita, Kavita, Neha, Divya, Lakshmi, Deepa, Swati, Shalini, Meera, Nisha, "
        "Rekha, Sneha, Aishwarya, Ananya, Kavya, Shreya, Radha, Geeta, Sita, Priyanka, Usha, Lalitha, Padma",
        "Sharma, Patel, Singh, Kumar, Gupta, Shah, Reddy, Iyer, Nair, Rao, Das, Mehta, Joshi, Verma, Jain, "
        "Agarwal, Chopra, Malhotra, Kapoor, Bhatt, Desai, Menon, Pillai, Mukherjee, Banerjee, Chatterjee, Ghosh, "
        "Bose, Krishnan, Subramaniam, Naidu, Chauhan, Yadav, Mishra, Pandey, Tiwari, Saxena, Srivastava, Khan, "
        "Kulkarni, Patil, Pawar",
        middle_rate=0.20,
    ),
    "zh": culture(
        "Wei, Jun, Hao, Lei, Jian, Ming, Qiang, Yong, Jie, Tao, Bin, Chao, Gang, Peng, Hui, Long, Bo, Feng, Xin, "
        "Yang, Zhiwei, Haoran, Yuxuan, Zihao, Jianguo, Xiaoming, Junjie, Tianyu",
        "Fang, Na, Min, Jing, Li, Yan, Xiu, Juan, Ying, Hua, Mei, Lan, Xia, Hong, Yun, Ling, Qing, Xiaoyan, "
        "Yuting, Xinyi, Zihan, Yiting, Shuang, Lili, Wen",
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, He, Gao, Lin, Luo, "
        "Zheng, Liang, Xie, Song, Tang, Han, Feng, Deng, Cao, Peng, Zeng, Xiao, Tian, Dong, Pan, Yuan, Cai, Jiang, "
        "Yu, Du",
        middle_rate=0.0,
    ),
    "ar": culture(
        "Mohammed, Ahmed, Ali, Omar, Hassan, Hussein, Khalid, Youssef, Ibrahim, Abdullah, Mahmoud, Mustafa, "
        "Karim, Tariq, Samir, Walid, Hamza, Bilal, Rami, Nabil, Faisal, Saeed, Yasser, Ziad, Adel, Majid, Sultan, "
        "Rashid, Mohamed, Muhammad",
        "Fatima, Aisha, Mariam, Noor, Layla, Sara, Huda, Amal, Rania, Yasmin, Salma, Hana, Zainab, Khadija, Mona, "
        "Nadia, Dina, Reem, Lina, Samira, Noura, Amira, Hiba, Lamia, Jamila",
        "Al-Sayed, Hassan, Ali, Ahmed, Mohamed, Ibrahim, Khalil, Haddad, Mansour, Saleh, Abdallah, Nasser, "
        "Al-Masri, Al-Hashimi, Al-Mansouri, Al-Farsi, Al-Qasimi, Al-Zahrani, Al-Ghamdi, Al-Shamsi, Al-Nuaimi, "
        "Khoury, Farah, Aziz, Hamdan, Darwish, Yousef, Said, Othman, Suleiman, Bakr, Rahman, El-Amin, Hamdi, "
        "Karam, Najjar, Sabbagh, Shaheen, Qureshi",
        middle_rate=0.30,
    ),
}

# Nicknames and other spellings of the same first name, used both ways (a record may hold either form).
NICKNAMES = {
    # English
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Betty"),
    "Katherine": ("Kate", "Kathy", "Katie"), "Catherine": ("Cathy", "Kate"), "Michael": ("Mike", "Mick"),
    "Alexander": ("Alex", "Sandy"), "Alexandra": ("Alex", "Sasha"), "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"), "Richard": ("Rick", "Rich", "Dick"), "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris", "Kit"), "Daniel": ("Dan", "Danny"), "Matthew": ("Matt",), "Anthony": ("Tony",),
    "Joseph": ("Joe", "Joey"), "David": ("Dave",), "Steven": ("Steve",), "Stephen": ("Steve",),
    "Andrew": ("Andy", "Drew"), "Edward": ("Ed", "Eddie", "Ted"), "Benjamin": ("Ben",), "Samuel": ("Sam",),
    "Samantha": ("Sam",), "Nicholas": ("Nick",), "Jonathan": ("Jon",), "Patrick": ("Pat", "Paddy"),
    "Charles": ("Charlie", "Chuck"), "Margaret": ("Maggie", "Peggy", "Meg"), "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess",), "Rebecca": ("Becky", "Becca"), "Victoria": ("Vicky", "Tori"), "Susan": ("Sue", "Suzy"),
    "Deborah": ("Debbie", "Deb"), "Patricia": ("Pat", "Trish"), "Christine": ("Chris",), "Peter": ("Pete",),
    "Kevin": ("Kev",), "Oliver": ("Ollie",), "Emily": ("Em",), "Olivia": ("Liv",), "Megan": ("Meg",),
    "Nicole": ("Nikki",), "Harry": ("Henry",),
    # French
    "Frédéric": ("Fred",), "Alexandre": ("Alex",), "Nicolas": ("Nico",), "Christophe": ("Chris",),
    "Sébastien": ("Seb",), "Stéphanie": ("Steph",), "Maxime": ("Max",), "Jean-Pierre": ("JP", "Jean"),
    "Jean-Luc": ("Jean",), "Isabelle": ("Isa",), "Valérie": ("Val",), "Marie-Claire": ("Marie",),
    # German
    "Johannes": ("Hans", "Jan"), "Friedrich": ("Fritz",), "Wilhelm": ("Willi",), "Katharina": ("Kathi", "Katja"),
    "Elisabeth": ("Lisa", "Liesel"), "Margarete": ("Grete",), "Maximilian": ("Max",), "Tobias": ("Tobi",),
    "Sebastian": ("Basti",), "Florian": ("Flo",), "Stefanie": ("Steffi",), "Andreas": ("Andi",),
    "Christian": ("Chris",), "Susanne": ("Susi",),
    # Spanish
    "José": ("Pepe",), "Francisco": ("Paco", "Pancho"), "Manuel": ("Manolo", "Manu"), "Dolores": ("Lola",),
    "Guadalupe": ("Lupe",), "Ignacio": ("Nacho",), "Enrique": ("Quique",), "Jesús": ("Chus",),
    "Antonio": ("Toni", "Tonino"), "Alejandro": ("Álex",), "Concepción": ("Concha", "Conchi"),
    "Mercedes": ("Merche",), "María José": ("Majo",), "Rafael": ("Rafa",), "Fernando": ("Nando",),
    "Montserrat": ("Montse",), "Javier": ("Javi",), "Beatriz": ("Bea",), "Cristina": ("Cris",),
    # Italian
    "Giuseppe": ("Beppe", "Peppe", "Pino"), "Giovanni": ("Gianni",), "Alessandro": ("Sandro",),
    "Francesco": ("Franco",), "Roberto": ("Berto",), "Salvatore": ("Totò",), "Vincenzo": ("Enzo",),
    "Domenico": ("Mimmo",), "Giuseppina": ("Pina",), "Federica": ("Fede",), "Alessandra": ("Sandra",),
    "Francesca": ("Franca",), "Niccolò": ("Nicolò",),
    # Dutch
    "Cornelis": ("Kees",), "Hendrik": ("Henk",), "Pieter": ("Piet",), "Willem": ("Wim",),
    "Wilhelmina": ("Mien",), "Gerrit": ("Gert",), "Cornelia": ("Corrie",), "Annemarie": ("Anne",),
    # Polish
    "Małgorzata": ("Gosia",), "Katarzyna": ("Kasia",), "Aleksander": ("Olek",), "Aleksandra": ("Ola",),
    "Krzysztof": ("Krzyś",), "Władysław": ("Władek",), "Agnieszka": ("Aga",), "Joanna": ("Asia",),
    "Tomasz": ("Tomek",), "Piotr": ("Piotrek",), "Jakub": ("Kuba",), "Stanisław": ("Staszek",), "Józef": ("Józek",),
    "Magdalena": ("Magda",), "Elżbieta": ("Ela",), "Zofia": ("Zosia",), "Barbara": ("Basia",), "Wojciech": ("Wojtek",),
    # Indian
    "Venkatesh": ("Venky",), "Rajesh": ("Raj",), "Subramanian": ("Subbu", "Mani"), "Priyanka": ("Priya",),
    "Srinivas": ("Srini",), "Abhishek": ("Abhi",), "Siddharth": ("Sid",), "Vikram": ("Vicky",), "Nikhil": ("Nik",),
    # Arabic: transliterations
    "Mohammed": ("Mohamed", "Muhammad", "Mohd", "Mo"), "Mohamed": ("Mohammed", "Mohammad"),
    "Muhammad": ("Mohammed", "Mohd"), "Abdullah": ("Abdallah",), "Youssef": ("Yousef", "Yusuf"),
    "Ibrahim": ("Ebrahim",), "Hussein": ("Hussain", "Husein"), "Khalid": ("Khaled",), "Fatima": ("Fatma", "Fatimah"),
    "Aisha": ("Ayesha", "Aicha"), "Mariam": ("Maryam",), "Yasmin": ("Yasmine",), "Layla": ("Leila",),
    "Mustafa": ("Mostafa",), "Mahmoud": ("Mahmood",), "Saeed": ("Said",),
}  # fmt: skip


def formal_names() -> dict[str, tuple[str, ...]]:
    """The other direction of ``NICKNAMES``: Bob -> (Robert,), Chris -> (Christopher, Christine, ...)."""
    formal: dict[str, tuple[str, ...]] = {}
    for name, nicknames in NICKNAMES.items():
        for nickname in nicknames:
            formal[nickname] = (*formal.get(nickname, ()), name)
    return formal


FORMAL_NAMES = formal_names()


# --- countries: cities, phones, streets, mail providers, legal forms ----------------------------------------


class City(NamedTuple):
    name: str
    region: str
    postcodes: tuple[str, ...]  # patterns: "#" a digit, "@" a letter of the country's postcode letters
    landlines: tuple[str, ...]  # national significant number, groups spaced: "#" a digit, "n" 2-9
    aliases: tuple[str, ...] = ()  # other names of the city (Munich, Bombay, NYC)
    region_aliases: tuple[str, ...] = ()


class Country(NamedTuple):
    code: str
    calling_code: str
    trunk: str  # national prefix of landlines ("0"), "" where there is none (US, ES, IT, PL)
    mobile_trunk: str
    cultures: Weighted
    cities: Weighted
    mobiles: tuple[str, ...]  # patterns as for landlines; () where mobiles look like landlines (US, CA)
    phone_formats: Weighted
    streets: tuple[str, ...]
    providers: tuple[str, ...]  # national mail providers, most common first
    legal_forms: tuple[str, ...]
    domain_suffix: str  # of company domains
    postcode_letters: str = "ABCDEFGHJKLMNPRSTUVWXYZ"
    local_companies: tuple[str, ...] = ()


def country(
    code: str, calling_code: str, trunk: str, cultures: dict[str, float], cities: Sequence[City],
    mobiles: Sequence[str], phone_formats: dict[str, float], streets: str, providers: str, legal_forms: tuple,
    domain_suffix: str, mobile_trunk: str | None = None, **extra,
) -> Country:  # fmt: skip
    return Country(
        code, calling_code, trunk, trunk if mobile_trunk is None else mobile_trunk,
        from_pairs(tuple(cultures.items())), zipf(cities, 0.8), tuple(mobiles),
        from_pairs(tuple(phone_formats.items())), tuple(names(streets)), tuple(names(providers)), legal_forms,
        domain_suffix, **extra,
    )  # fmt: skip


EUROPEAN = {"international": 30, "national": 35, "national_compact": 12, "international_compact": 15, "00": 8}
NANP = {  # North American Numbering Plan
    "us_parentheses": 30, "dashed": 20, "national_compact": 15, "dotted": 8, "international": 12,
    "international_compact": 8, "us_one": 4, "international_us": 3,
}  # fmt: skip

COUNTRIES = (
    country(
        "US", "1", "", {"en": 68, "es": 14, "zh": 4, "in": 6, "it": 3, "ar": 2, "pl": 1.5, "de": 1.5},
        (
            City("New York", "NY", ("100##", "101##", "112##"), ("212 n## ####", "646 n## ####", "917 n## ####"),
                 ("NYC", "New York City"), ("New York",)),
            City("Los Angeles", "CA", ("900##", "902##"), ("213 n## ####", "310 n## ####"), ("LA",), ("California",)),
            City("Chicago", "IL", ("606##",), ("312 n## ####", "773 n## ####"), (), ("Illinois",)),
            City("Houston", "TX", ("770##",), ("713 n## ####", "832 n## ####"), (), ("Texas",)),
            City("San Francisco", "CA", ("941##",), ("415 n## ####", "628 n## ####"), ("SF",), ("California",)),
            City("Boston", "MA", ("021##",), ("617 n## ####", "857 n## ####"), (), ("Massachusetts",)),
            City("Seattle", "WA", ("981##",), ("206 n## ####",), (), ("Washington",)),
            City("Austin", "TX", ("787##",), ("512 n## ####", "737 n## ####"), (), ("Texas",)),
            City("Miami", "FL", ("331##",), ("305 n## ####", "786 n## ####"), (), ("Florida",)),
            City("Denver", "CO", ("802##",), ("303 n## ####", "720 n## ####"), (), ("Colorado",)),
        ),
        (), NANP,
        "Main Street, Oak Avenue, Maple Drive, Washington Boulevard, Elm Street, Market Street, 2nd Avenue, "
        "Park Place, Lake Shore Drive, Sunset Boulevard, Pine Street, Cedar Lane, Broadway",
        "aol.com, comcast.net, verizon.net, att.net, msn.com, sbcglobal.net",
        ("Inc.", "Inc", "LLC", "Corp.", "Corporation"), "com",
        local_companies=("Lone Star Plumbing", "Bay Area Biotech", "Empire State Realty Advisors"),
    ),
    country(
        "GB", "44", "0", {"en": 72, "in": 10, "pl": 4, "ar": 4, "zh": 3, "fr": 2, "it": 2, "es": 2, "de": 1},
        (
            City("London", "Greater London",
                 ("EC1A #@@", "E1 #@@", "N1 #@@", "NW3 #@@", "SE1 #@@", "SW1A #@@", "SW11 #@@", "W1D #@@", "WC2H #@@"),
                 ("20 7### ####", "20 8### ####", "20 3### ####"), (), ("London",)),
            City("Manchester", "Greater Manchester", ("M1 #@@", "M4 #@@", "M14 #@@", "M20 #@@"), ("161 n## ####",)),
            City("Birmingham", "West Midlands", ("B1 #@@", "B15 #@@", "B29 #@@"), ("121 n## ####",)),
            City("Leeds", "West Yorkshire", ("LS1 #@@", "LS6 #@@"), ("113 n## ####",)),
            City("Glasgow", "Scotland", ("G1 #@@", "G12 #@@"), ("141 n## ####",)),
            City("Edinburgh", "Scotland", ("EH1 #@@", "EH3 #@@", "EH10 #@@"), ("131 n## ####",)),
            City("Bristol", "Bristol", ("BS1 #@@", "BS8 #@@"), ("117 n## ####",), (), ("Avon",)),
            City("Cardiff", "Wales", ("CF10 #@@", "CF24 #@@"), ("29 20## ####",), (), ("South Glamorgan",)),
        ),
        ("74## ######", "75## ######", "77## ######", "78## ######", "79## ######"),
        {**EUROPEAN, "national": 45, "parentheses": 6},
        "High Street, Station Road, Church Lane, Victoria Road, Park Avenue, Mill Lane, King's Road, Queen Street, "
        "London Road, Manor Drive, Green Lane, Albert Street, Oxford Road, The Crescent, Kingsway",
        "btinternet.com, sky.com, yahoo.co.uk, hotmail.co.uk, virginmedia.com, talktalk.net, ntlworld.com",
        ("Ltd", "Limited", "PLC", "LLP"), "co.uk", postcode_letters="ABDEFGHJLNPQRSTUWXYZ",
        local_companies=("Thames Valley Surveyors", "Pennine Building Supplies", "Highland Whisky Traders"),
    ),
    country(
        "DE", "49", "0", {"de": 82, "pl": 5, "ar": 5, "it": 3, "en": 3, "es": 2},
        (
            City("Berlin", "Berlin", ("10###", "12###", "13###"), ("30 n#######", "30 n######")),
            City("Hamburg", "Hamburg", ("20###", "22###"), ("40 n#######",)),
            City("München", "Bayern", ("80###", "81###"), ("89 n#######",), ("Muenchen", "Munich"), ("Bavaria",)),
            City("Köln", "Nordrhein-Westfalen", ("50###", "51###"), ("221 n######",), ("Koeln", "Cologne"), ("NRW",)),
            City("Frankfurt am Main", "Hessen", ("60###",), ("69 n#######",), ("Frankfurt", "Frankfurt a. M."),
                 ("Hesse",)),
            City("Stuttgart", "Baden-Württemberg", ("70###",), ("711 n######",), (), ("Baden-Wuerttemberg", "BW")),
            City("Düsseldorf", "Nordrhein-Westfalen", ("40###",), ("211 n######",), ("Duesseldorf", "Dusseldorf"),
                 ("NRW",)),
            City("Leipzig", "Sachsen", ("04###",), ("341 n######",), (), ("Saxony",)),
        ),
        ("151 ########", "160 #######", "170 #######", "171 #######", "176 ########"),
        {**EUROPEAN, "international_trunk": 10, "slash": 10},
        "Hauptstraße, Bahnhofstraße, Schillerstraße, Goethestraße, Gartenstraße, Berliner Allee, Lindenweg, "
        "Kirchstraße, Schulstraße, Friedrichstraße, Marktplatz, Am Rathaus, Ringstraße",
        "web.de, gmx.de, t-online.de, gmx.net, freenet.de, yahoo.de",
        ("GmbH", "AG", "GmbH & Co. KG", "KG"), "de",
        local_companies=("Müller Maschinenbau", "Schneider Logistik", "Bayerische Brauhaus Technik"),
    ),
    country(
        "FR", "33", "0", {"fr": 80, "ar": 10, "es": 3, "it": 3, "en": 2, "pl": 1, "zh": 1},
        (
            City("Paris", "Île-de-France", ("7500#", "7501#"), ("1 ## ## ## ##",), (), ("Ile-de-France", "IDF")),
            City("Lyon", "Auvergne-Rhône-Alpes", ("6900#",), ("4 7# ## ## ##",), (), ("Auvergne-Rhone-Alpes",)),
            City("Marseille", "Provence-Alpes-Côte d'Azur", ("1300#", "1301#"), ("4 9# ## ## ##",), (), ("PACA",)),
            City("Toulouse", "Occitanie", ("3100#", "3120#", "3130#"), ("5 6# ## ## ##",)),
            City("Bordeaux", "Nouvelle-Aquitaine", ("3300#", "3380#"), ("5 5# ## ## ##",)),
            City("Lille", "Hauts-de-France", ("5900#", "5980#"), ("3 2# ## ## ##",)),
            City("Nantes", "Pays de la Loire", ("4400#", "4410#", "4430#"), ("2 4# ## ## ##",)),
        ),
        ("6 ## ## ## ##", "7 ## ## ## ##"),
        {**EUROPEAN, "dotted": 8},
        "rue de la Paix, avenue Victor Hugo, boulevard Saint-Michel, rue du Faubourg Saint-Honoré, "
        "place de la République, rue de Rivoli, rue de la Gare, rue Jean Jaurès, boulevard Gambetta, rue Pasteur, "
        "avenue de la Libération, rue Nationale",
        "orange.fr, free.fr, laposte.net, sfr.fr, wanadoo.fr, hotmail.fr",
        ("SAS", "SA", "SARL"), "fr",
        local_companies=("Boulangerie Dupont", "Transports Lefèvre", "Château Margaux Négoce"),
    ),
    country(
        "IN", "91", "0", {"in": 97, "en": 2, "ar": 1},
        (
            City("Mumbai", "Maharashtra", ("4000##",), ("22 #### ####",), ("Bombay",), ("MH",)),
            City("New Delhi", "Delhi", ("1100##",), ("11 #### ####",), ("Delhi",), ("NCT of Delhi", "DL")),
            City("Bengaluru", "Karnataka", ("5600##",), ("80 #### ####",), ("Bangalore",), ("KA",)),
            City("Chennai", "Tamil Nadu", ("6000##",), ("44 #### ####",), ("Madras",), ("TN",)),
            City("Hyderabad", "Telangana", ("5000##",), ("40 #### ####",), (), ("TS",)),
            City("Pune", "Maharashtra", ("4110##",), ("20 #### ####",), ("Poona",), ("MH",)),
            City("Kolkata", "West Bengal", ("7000##",), ("33 #### ####",), ("Calcutta",), ("WB",)),
        ),
        ("9#### #####", "8#### #####", "7#### #####", "6#### #####"),
        {"international": 35, "national_compact": 40, "international_compact": 15, "international_dash": 10},
        "MG Road, Linking Road, Brigade Road, Park Street, Nehru Place, Anna Salai, Residency Road, Station Road, "
        "Church Street, Gandhi Nagar Main Road",
        "rediffmail.com, yahoo.co.in, yahoo.in",
        ("Pvt. Ltd.", "Private Limited", "Ltd.", "Pvt Ltd"), "in", mobile_trunk="",
        local_companies=("Sharma Textiles", "Deccan Software Services", "Ganga Agro Exports"),
    ),
    country(
        "ES", "34", "", {"es": 88, "ar": 4, "en": 3, "fr": 2, "it": 2, "zh": 1},
        (
            City("Madrid", "Comunidad de Madrid", ("280##",), ("91# ### ###",), (), ("Madrid",)),
            City("Barcelona", "Cataluña", ("080##",), ("93# ### ###",), (), ("Catalunya", "Catalonia")),
            City("Valencia", "Comunidad Valenciana", ("460##",), ("96# ### ###",), ("València",),
                 ("Comunitat Valenciana",)),
            City("Sevilla", "Andalucía", ("410##",), ("95# ### ###",), ("Seville",), ("Andalucia",)),
            City("Bilbao", "País Vasco", ("480##",), ("94# ### ###",), ("Bilbo",), ("Euskadi",)),
            City("Málaga", "Andalucía", ("290##",), ("95# ### ###",), ("Malaga",), ("Andalucia",)),
        ),
        ("6## ### ###", "7## ### ###"),
        EUROPEAN,
        "Calle Mayor, Gran Vía, Avenida de la Constitución, Calle de Alcalá, Paseo de Gracia, Calle Real, "
        "Plaza Mayor, Avenida de América, Calle San Vicente, Calle del Sol",
        "telefonica.net, yahoo.es, hotmail.es, movistar.es",
        ("S.L.", "S.A.", "SL"), "es",
        local_companies=("Fernández e Hijos", "Aceites del Sur", "Construcciones Ibéricas"),
    ),
    country(
        "IT", "39", "", {"it": 90, "ar": 3, "es": 2, "en": 2, "zh": 2, "pl": 1},
        (
            City("Roma", "Lazio", ("001##",), ("06 n### ####",), ("Rome",)),
            City("Milano", "Lombardia", ("201##",), ("02 n### ####",), ("Milan",), ("Lombardy",)),
            City("Napoli", "Campania", ("801##",), ("081 n## ####",), ("Naples",)),
            City("Torino", "Piemonte", ("101##",), ("011 n## ####",), ("Turin",), ("Piedmont",)),
            City("Firenze", "Toscana", ("501##",), ("055 n## ####",), ("Florence",), ("Tuscany",)),
            City("Bologna", "Emilia-Romagna", ("401##",), ("051 n## ####",)),
        ),
        ("32# ### ####", "33# ### ####", "34# ### ####", "38# ### ####"),
        EUROPEAN,
        "Via Roma, Via Garibaldi, Corso Vittorio Emanuele II, Via Dante, Piazza del Duomo, Via Giuseppe Verdi, "
        "Via Mazzini, Corso Italia, Via Cavour, Via della Repubblica",
        "libero.it, virgilio.it, tin.it, alice.it, yahoo.it, hotmail.it",
        ("S.p.A.", "S.r.l.", "Srl"), "it",
        local_companies=("Rossi Costruzioni", "Pastificio Toscano", "Moda Milano"),
    ),
    country(
        "CN", "86", "0", {"zh": 98, "en": 2},
        (
            City("Beijing", "Beijing", ("100###", "101###"), ("10 n### ####",), ("Peking",)),
            City("Shanghai", "Shanghai", ("200###",), ("21 n### ####",)),
            City("Guangzhou", "Guangdong", ("510###",), ("20 n### ####",), ("Canton",)),
            City("Shenzhen", "Guangdong", ("518###",), ("755 n### ####",)),
            City("Chengdu", "Sichuan", ("610###",), ("28 n### ####",)),
            City("Hangzhou", "Zhejiang", ("310###",), ("571 n### ####",)),
        ),
        ("13# #### ####", "15# #### ####", "17# #### ####", "18# #### ####"),
        {"international": 35, "national_compact": 35, "international_compact": 20, "00": 10},
        "Nanjing Road, Chang'an Avenue, Zhongshan Road, Huaihai Road, Renmin Road, Jiefang Road, Heping Road, "
        "Jianguo Road, Century Avenue",
        "qq.com, 163.com, 126.com, sina.com, sohu.com",
        ("Co., Ltd.", "Co. Ltd", "Limited"), "com.cn", mobile_trunk="",
        local_companies=("Zhang Electronics", "Pearl River Trading", "Huaxia Logistics"),
    ),
    country(
        "NL", "31", "0", {"nl": 84, "ar": 5, "de": 4, "en": 4, "pl": 2, "in": 1},
        (
            City("Amsterdam", "Noord-Holland", ("10## @@",), ("20 n## ####",), (), ("North Holland",)),
            City("Rotterdam", "Zuid-Holland", ("30## @@",), ("10 n## ####",), (), ("South Holland",)),
            City("Den Haag", "Zuid-Holland", ("25## @@",), ("70 n## ####",), ("The Hague", "'s-Gravenhage"),
                 ("South Holland",)),
            City("Utrecht", "Utrecht", ("35## @@",), ("30 n## ####",)),
            City("Eindhoven", "Noord-Brabant", ("56## @@",), ("40 n## ####",), (), ("North Brabant",)),
            City("Groningen", "Groningen", ("97## @@",), ("50 n## ####",)),
        ),
        ("6 ########",),
        {**EUROPEAN, "international_trunk": 10},
        "Kerkstraat, Dorpsstraat, Stationsweg, Prinsengracht, Hoofdstraat, Molenstraat, Schoolstraat, Julianalaan, "
        "Wilhelminastraat, Nieuwstraat",
        "ziggo.nl, kpnmail.nl, hetnet.nl, planet.nl, live.nl, home.nl",
        ("B.V.", "BV", "N.V."), "nl", postcode_letters="ABCDEFGHJKLMNPRSTVWXZ",
        local_companies=("Van Dijk Bouw", "Hollandse Bloemen Export", "De Vries Installatietechniek"),
    ),
    country(
        "PL", "48", "", {"pl": 95, "en": 2, "de": 2, "in": 1},
        (
            City("Warszawa", "mazowieckie", ("00-###", "01-###", "02-###", "03-###"), ("22 ### ## ##",), ("Warsaw",),
                 ("Mazowieckie",)),
            City("Kraków", "małopolskie", ("30-###", "31-###"), ("12 ### ## ##",), ("Krakow", "Cracow"),
                 ("malopolskie",)),
            City("Łódź", "łódzkie", ("90-###", "91-###"), ("42 ### ## ##",), ("Lodz",), ("lodzkie",)),
            City("Wrocław", "dolnośląskie", ("50-###", "51-###"), ("71 ### ## ##",), ("Wroclaw",), ("dolnoslaskie",)),
            City("Poznań", "wielkopolskie", ("60-###", "61-###"), ("61 ### ## ##",), ("Poznan",)),
            City("Gdańsk", "pomorskie", ("80-###",), ("58 ### ## ##",), ("Gdansk",)),
        ),
        ("5## ### ###", "6## ### ###", "7## ### ###", "88# ### ###"),
        EUROPEAN,
        "ul. Marszałkowska, ul. Piłsudskiego, ul. Długa, Aleje Jerozolimskie, ul. Mickiewicza, ul. Kościuszki, "
        "ul. Słowackiego, ul. Polna, ul. Lipowa, ul. Sienkiewicza",
        "wp.pl, onet.pl, o2.pl, interia.pl, gazeta.pl",
        ("Sp. z o.o.", "S.A.", "sp. z o.o."), "pl",
        local_companies=("Kowalski Transport", "Polskie Meble", "Bałtyk Rybołówstwo"),
    ),
    country(
        "CA", "1", "", {"en": 58, "fr": 22, "zh": 8, "in": 7, "it": 2, "ar": 2, "pl": 1},
        (
            City("Toronto", "ON", ("M5V #@#", "M4C #@#", "M6G #@#"), ("416 n## ####", "647 n## ####"), (),
                 ("Ontario",)),
            City("Montréal", "QC", ("H2X #@#", "H3A #@#"), ("514 n## ####", "438 n## ####"), ("Montreal",),
                 ("Québec", "Quebec")),
            City("Vancouver", "BC", ("V6B #@#", "V5K #@#"), ("604 n## ####", "778 n## ####"), (),
                 ("British Columbia",)),
            City("Calgary", "AB", ("T2P #@#",), ("403 n## ####", "587 n## ####"), (), ("Alberta",)),
            City("Ottawa", "ON", ("K1P #@#",), ("613 n## ####", "343 n## ####"), (), ("Ontario",)),
        ),
        (), NANP,
        "Yonge Street, King Street West, Queen Street East, Main Street, Bay Street, rue Sainte-Catherine, "
        "boulevard Saint-Laurent, Granville Street, Robson Street",
        "rogers.com, shaw.ca, sympatico.ca, bell.net, videotron.ca",
        ("Inc.", "Ltd.", "Corp.", "Ltée"), "ca", postcode_letters="ABCEGHJKLMNPRSTVWXYZ",
        local_companies=("Maple Leaf Outfitters", "Laurentian Timber", "Prairie Grain Co-op"),
    ),
    country(
        "AE", "971", "0", {"ar": 58, "in": 26, "en": 10, "zh": 2, "fr": 2, "pl": 1, "de": 1},
        (
            City("Dubai", "Dubai", (), ("4 n## ####",)),
            City("Abu Dhabi", "Abu Dhabi", (), ("2 n## ####",), ("Abudhabi",)),
            City("Sharjah", "Sharjah", (), ("6 n## ####",)),
        ),
        ("50 ### ####", "52 ### ####", "55 ### ####", "56 ### ####"),
        {"international": 45, "national": 25, "international_compact": 20, "00": 10},
        "Sheikh Zayed Road, Al Wasl Road, Hamdan Street, Al Maktoum Road, Corniche Road, Jumeirah Beach Road, "
        "Khalifa Street, Al Khaleej Road, Electra Street",
        "emirates.net.ae, eim.ae",
        ("LLC", "FZE", "FZ-LLC"), "ae",
        local_companies=("Al Noor Trading", "Gulf Star Contracting", "Desert Rose Hospitality"),
    ),
)  # fmt: skip
COUNTRY_WEIGHTS = {"US": 22, "GB": 18, "DE": 9, "FR": 9, "IN": 9, "ES": 6, "IT": 6, "CN": 5, "NL": 4, "PL": 4,
                   "CA": 4, "AE": 4}  # fmt: skip
COUNTRY_PICK = Weighted(COUNTRIES, [COUNTRY_WEIGHTS[c.code] for c in COUNTRIES])

FREE_PROVIDERS = (("gmail.com", 40), ("hotmail.com", 10), ("yahoo.com", 9), ("outlook.com", 8), ("icloud.com", 5),
                  ("protonmail.com", 1))  # fmt: skip
FREE_PROVIDERS_SHARE = {"CN": 0.25, "IN": 0.85}  # of personal emails (0.7 elsewhere); the rest: national ones
PERSONAL_HANDLES = from_pairs((
    ("{f}.{l}", 30), ("{f}{l}", 15), ("{i}{l}", 12), ("{f}{l}{yy}", 12), ("{f}.{l}{yy}", 8), ("{f}_{l}", 6),
    ("{l}.{f}", 5), ("{f}{yyyy}", 5), ("{f}{j}", 4), ("{l}{i}", 3),
))  # fmt: skip
WORK_HANDLES = from_pairs(
    (("{f}.{l}", 50), ("{i}{l}", 20), ("{f}", 10), ("{i}.{l}", 10), ("{f}{j}", 5), ("{f}_{l}", 5))
)
GMAIL_TAGS = ("crm", "news", "work", "shop", "spam", "newsletter")

COMPANIES = names(
    "Northwind Traders, Blue Harbor Logistics, Greenfield Analytics, Summit Partners, Brightwave Media, "
    "Redstone Engineering, Silverline Software, Oakridge Consulting, Atlas Freight, Pioneer Foods, Vertex Systems, "
    "Horizon Healthcare, Crescent Capital, Evergreen Energy, Kestrel Security, Nordic Design, Apex Manufacturing, "
    "Bluebird Travel, Cobalt Networks, Meridian Insurance, Granite Construction Group, Lumen Optics, Sterling & Co, "
    "Harper & Lane, Keystone Pharma, Falcon Aerospace, Juniper Retail, Willow Creek Farms, Quartz Data, "
    "Orbit Telecom, Sable Fashion, Titan Steel, Zenith Solar, Beacon Education, Maple Financial, Riverstone Legal, "
    "Ironbridge Capital, Cedar Health, Nimbus Cloud, Terra Agritech, Vista Hotels, Echo Marketing, "
    "Delta Robotics, Aurora Biotech, Forge Industrial, Harbor Point Realty, Keen & Partners, Lighthouse Media, "
    "Nova Chemicals, Peak Performance Sports, Quantum Ledger, Rapid Couriers, Solstice Wellness, True North Foods, "
    "Urban Nest Interiors, Vanguard Logistics, Westbrook Engineering, Yellowstone Outdoor, Bright Horizons Energy, "
    "Clearwater Utilities, Crown & Anchor Hospitality, Dovetail Furniture, Everest Consulting, Fairway Golf, "
    "Goldleaf Publishing, Highpoint Analytics, Indigo Textiles, Jade Garden Restaurants, Kingfisher Marine, "
    "Lakeside Dental, Mosaic Architects, Northstar Aviation, Olive Tree Catering, Pinnacle Recruitment, "
    "Redwood Timber, Silver Birch Care, Tidewater Shipping, Upland Mining, Violet Cosmetics"
)
COMPANY_PICK = zipf(COMPANIES, 0.7)
LOCAL_COMPANY_SHARE = 0.25
LEGAL_FORM_VARIANTS = {
    "Ltd": ("Ltd.", "Limited", "LTD"), "Limited": ("Ltd",), "PLC": ("plc", "Plc"), "LLP": ("L.L.P.",),
    "Inc.": ("Inc", "Incorporated"), "Inc": ("Inc.",), "LLC": ("L.L.C.", "Llc"), "Corp.": ("Corp", "Corporation"),
    "Corporation": ("Corp.",), "GmbH": ("Gmbh", "GMBH"), "AG": ("A.G.",), "GmbH & Co. KG": ("GmbH & Co KG",),
    "SAS": ("S.A.S.",), "SA": ("S.A.",), "SARL": ("S.A.R.L.", "Sarl"), "S.L.": ("SL", "S.L"), "SL": ("S.L.",),
    "S.A.": ("SA",), "S.p.A.": ("SpA", "S.P.A."), "S.r.l.": ("Srl", "SRL"), "Srl": ("S.r.l.",), "B.V.": ("BV",),
    "BV": ("B.V.",), "N.V.": ("NV",), "Sp. z o.o.": ("sp. z o.o.", "Sp. z o. o."), "Pvt. Ltd.": ("Pvt Ltd",),
    "Private Limited": ("Pvt. Ltd.",), "Ltd.": ("Ltd", "Limited"), "Co., Ltd.": ("Co. Ltd", "Co Ltd"),
    "FZE": ("F.Z.E.",), "FZ-LLC": ("FZ LLC",), "Ltée": ("Ltee",),
}  # fmt: skip

# --- placeholders ---------------------------------------------------------------------------------------------

PLACEHOLDER_NAMES = (
    ("N/A", "", "N/A"), ("Unknown", "", "Unknown"), ("Test", "", "Test"), ("test", "", "test"), ("x", "", "x"),
    ("Unknown", "", "Customer"), ("Mickey", "", "Mouse"), ("asdf", "", "asdf"), ("No", "", "Name"), ("-", "", "-"),
    ("TBD", "", "TBD"), ("Do not", "", "use"), ("Test", "", "User"), ("", "", "Unknown"), ("Sales", "", "Lead"),
)  # fmt: skip
PLACEHOLDER_EMAILS = (
    "test@test.com", "noemail@example.com", "none@none.com", "no@email.com", "na@na.com", "x@x.com",
    "test@example.com", "noreply@example.com", "a@a.com", "unknown@unknown.com", "", "n/a",
)  # fmt: skip
PLACEHOLDER_PHONES = ("0000000000", "1234567890", "000-000-0000", "9999999999", "1111111111", "+44 0000 000000",
                      "(555) 555-5555", "n/a", "0", "")  # fmt: skip
PLACEHOLDER_DATES = ("", "", "1900-01-01", "1970-01-01", "2000-01-01", "1901-01-01")
PLACEHOLDER_COMPANIES = ("", "", "", "N/A", "Test", "-", "Private", "Self-employed", "none")

# --- text helpers --------------------------------------------------------------------------------------------

_NOT_DECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
                                 "Æ": "AE", "œ": "oe", "Œ": "OE"})  # fmt: skip
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYBOARD_NEIGHBOURS = {
    key: "".join(
        other_row[j] for other_row in _KEYBOARD_ROWS[max(0, i - 1) : i + 2] for j in (k - 1, k, k + 1)
        if 0 <= j < len(other_row) and other_row[j] != key
    )
    for i, row in enumerate(_KEYBOARD_ROWS) for k, key in enumerate(row)
}  # fmt: skip


@lru_cache(maxsize=16384)
def ascii_fold(text: str) -> str:
    """José -> Jose, Łukasz -> Lukasz, Weiß -> Weiss."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return decomposed.encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=16384)
def handle_part(name: str) -> str:
    """A name as it goes into an email address: "O'Brien" -> "obrien", "José Luis" -> "joseluis"."""
    return _NOT_ALNUM.sub("", ascii_fold(name).lower())


def same_case(new: str, like: str) -> str:
    """``new`` in the case style of ``like`` (ALL CAPS, lower or as is)."""
    if len(like) > 1 and like.isupper():
        return new.upper()
    if like.islower():
        return new.lower()
    return new


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """ "SW1A #@@" -> ("SW1A %01d%s", (("#", 1), ("@", 2))): a %-template and its placeholder runs."""
    template, runs = [], []
    for part in re.findall(r"#+|n|@+|[^#n@]+", pattern):
        if part[0] in "#n@":
            template.append(f"%0{len(part)}d" if part[0] == "#" else "%d" if part == "n" else "%s")
            runs.append((part[0], len(part)))
        else:
            template.append(part.replace("%", "%%"))
    return "".join(template), tuple(runs)


def fill(pattern: str, uniform: Callable[[], float], letters: str = "ABCDEFGHJKLMNPRSTUVWXYZ") -> str:
    """A pattern with "#" replaced by digits, "n" by a digit 2-9 and "@" by letters."""
    template, runs = compile_pattern(pattern)
    values = []
    for kind, size in runs:
        if kind == "#":
            values.append(int(uniform() * 10**size))
        elif kind == "n":
            values.append(2 + int(uniform() * 8))
        else:
            values.append("".join([letters[int(uniform() * len(letters))] for _ in range(size)]))
    return template % tuple(values)


def typo(word: str, rng: random.Random) -> str:
    """One keystroke wrong: a letter dropped, doubled, swapped with the next or replaced by a keyboard neighbour.

    The first letter is kept most of the time (people rarely mistype it)."""
    if len(word) < 3:
        return word + word[-1:] if word else word
    start = 0 if rng.random() < 0.1 else 1
    i = rng.randrange(start, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        changed = word[:i] + word[i + 1 :]
    elif kind == 1:
        changed = word[: i + 1] + word[i:]
    elif kind == 2:
        changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    else:
        neighbours = KEYBOARD_NEIGHBOURS.get(word[i].lower(), "")
        if neighbours:
            changed = word[:i] + same_case(rng.choice(neighbours), word[i]) + word[i + 1 :]
        else:
            changed = word[:i] + word[i + 1 :]
    return changed if changed != word else word[:i] + word[i + 1 :]


# --- phones --------------------------------------------------------------------------------------------------


def format_phone(style: str, groups: Sequence[str], country: Country, trunk: str) -> str:
    """A national significant number (in groups) written in one of the usual styles."""
    cc, spaced, compact = country.calling_code, " ".join(groups), "".join(groups)
    if style == "international":
        return f"+{cc} {spaced}"
    if style == "international_compact":
        return f"+{cc}{compact}"
    if style == "00":
        return f"00{cc} {spaced}"
    if style == "international_trunk":  # +49 (0)30 12345678
        return f"+{cc} ({trunk}){spaced}" if trunk else f"+{cc} {spaced}"
    if style == "international_dash":  # +91-9876543210
        return f"+{cc}-{compact}"
    if style == "international_us":  # +1 (415) 555-2671
        return f"+{cc} ({groups[0]}) {'-'.join(groups[1:])}"
    if style == "national":
        return trunk + spaced
    if style == "national_compact":
        return trunk + compact
    if style == "parentheses":  # (020) 7946 0958
        return f"({trunk}{groups[0]}) {' '.join(groups[1:])}"
    if style == "us_parentheses":  # (415) 555-2671
        return f"({groups[0]}) {'-'.join(groups[1:])}"
    if style == "dashed":
        return trunk + "-".join(groups)
    if style == "dotted":
        return trunk + ".".join(groups)
    if style == "slash":  # 030/12345678
        return f"{trunk}{groups[0]}/{''.join(groups[1:])}"
    if style == "us_one":  # 1-415-555-2671
        return f"{cc}-{'-'.join(groups)}"
    raise ValueError(style)


# --- emails --------------------------------------------------------------------------------------------------


def mail_providers(home: Country) -> Weighted:
    """Free mail providers and the country's own, the first ones of each list the most common."""
    free_share = FREE_PROVIDERS_SHARE.get(home.code, 0.7)
    free_total = sum(weight for _, weight in FREE_PROVIDERS)
    national = [1 / rank for rank in range(1, len(home.providers) + 1)]
    return Weighted(
        [provider for provider, _ in FREE_PROVIDERS] + list(home.providers),
        [free_share * weight / free_total for _, weight in FREE_PROVIDERS]
        + [(1 - free_share) * weight / sum(national) for weight in national],
    )


# --- addresses -----------------------------------------------------------------------------------------------

STREET_ABBREVIATIONS = (
    ("Street", ("St", "St.")), ("Road", ("Rd", "Rd.")), ("Avenue", ("Ave", "Av.")), ("Lane", ("Ln",)),
    ("Drive", ("Dr", "Dr.")), ("Boulevard", ("Blvd",)), ("Place", ("Pl",)), ("West", ("W",)), ("East", ("E",)),
    ("straße", ("str.", "strasse", "str")), ("Straße", ("Str.", "Strasse")), ("straat", ("str.",)),
    ("avenue", ("av.", "ave")), ("boulevard", ("bd", "bld")), ("rue", ("r.",)), ("Calle", ("C/", "c/", "C.")),
    ("Avenida", ("Avda.", "Av.")), ("Paseo", ("Pº",)), ("Plaza", ("Pza.",)), ("Corso", ("C.so",)),
    ("Piazza", ("P.za",)), ("Via", ("V.",)), ("ul. ", ("ulica ", "")), ("Aleje", ("Al.",)), ("Saint", ("St",)),
)  # fmt: skip
EU_POSTCODE_PREFIX = {"DE": "D-", "FR": "F-", "IT": "I-", "ES": "E-", "PL": "PL-", "NL": "NL-"}


def street_variants(street: str) -> list[str]:
    """The same street written otherwise: abbreviated, without accents, in capitals."""
    variants = [
        street.replace(long, short, 1)
        for long, shorts in STREET_ABBREVIATIONS
        if re.search(rf"(?<![A-Za-z]){re.escape(long)}" if long[0].isupper() else re.escape(long), street)
        for short in shorts
    ]
    folded = ascii_fold(street)
    if folded != street:
        variants.append(folded)
    variants.extend((street.upper(), street.lower()))
    return [variant for variant in dict.fromkeys(variants) if variant != street]


def postcode_variants(postcode: str, country: str) -> list[str]:
    """The same postcode written otherwise: spacing, case, a country prefix, a lost leading zero, ZIP+4."""
    variants = []
    if " " in postcode:
        variants += [postcode.replace(" ", ""), postcode.lower(), postcode.replace(" ", "").lower()]
    if "-" in postcode:
        variants.append(postcode.replace("-", ""))
    if country == "US":
        plus_four = zlib.crc32(postcode.encode()) % 10_000
        variants.append(postcode.lstrip("0") if postcode.startswith("0") else f"{postcode}-{plus_four:04d}")
    if country in EU_POSTCODE_PREFIX:
        variants.append(EU_POSTCODE_PREFIX[country] + postcode)
    if country == "IN":
        variants.append(f"{postcode[:3]} {postcode[3:]}")
    return [variant for variant in variants if variant != postcode]


# --- the generator -------------------------------------------------------------------------------------------


class _Generator:
    """The state of one ``generate`` run: its random numbers, the email addresses given, the company domains."""

    def __init__(self, n: int, duplicate_share: float, seed: int):
        self.n = n
        self.rng = random.Random(seed)
        self.uniform = self.rng.random
        real_share = 1 - duplicate_share - PLACEHOLDER_SHARE  # records that are a person's first record
        self.placeholder_rate = PLACEHOLDER_SHARE / (1 - duplicate_share)  # among records that are not copies
        mean_copies = sum(count * weight for count, weight in EXTRA_COPIES) / sum(w for _, w in EXTRA_COPIES)
        self.duplicated_rate = duplicate_share / (real_share * mean_copies) if duplicate_share else 0.0
        self.max_delay = max(10, min(MAX_DELAY, n // 5))
        self.copies = from_pairs(EXTRA_COPIES)
        self.corruption_counts = from_pairs(CORRUPTION_COUNTS)
        self.corruptions = from_pairs(CORRUPTIONS)
        self.entities = 0
        # Email addresses already given: a bit per crc32 slot (a false "taken" only adds a number to an address).
        self.handle_bits = max(1 << 20, 1 << (32 * max(n, 1)).bit_length())
        self.handles_taken = bytearray(self.handle_bits >> 3)
        self.domains: dict[tuple[str, str], str] = {}
        self.providers = {home.code: mail_providers(home) for home in COUNTRIES}

    # -- the stream ---------------------------------------------------------------------------------------

    def records(self) -> Iterator[dict]:
        """Originals, placeholders and, once their time has come, the copies scheduled by earlier originals."""
        uniform, randint = self.uniform, self.rng.randint
        pending: list[tuple[int, int, dict]] = []  # heap of (position due, order, person)
        scheduled = 0
        width = max(7, len(str(self.n)))
        for position in range(self.n):
            remaining = self.n - position
            if pending and (pending[0][0] <= position or len(pending) >= remaining):
                record = self.duplicate(heappop(pending)[2])
            elif uniform() < self.placeholder_rate:
                record = self.placeholder()
            else:
                person = self.new_person()
                record = self.plain_record(person)
                if uniform() < self.duplicated_rate:
                    for _ in range(min(self.copies.draw(uniform), remaining - 1 - len(pending))):
                        scheduled += 1
                        heappush(pending, (position + randint(2, self.max_delay), scheduled, person))
            record["id"] = f"r{position + 1:0{width}d}"
            yield record

    # -- people -------------------------------------------------------------------------------------------

    def new_person(self) -> dict:
        """A true person with every field known (records then lose some)."""
        uniform = self.uniform
        home = COUNTRY_PICK.draw(uniform)
        people = CULTURES[home.cultures.draw(uniform)]
        female = uniform() < 0.5
        given = people.female if female else people.male
        first = given.draw(uniform)
        middle = ""
        if uniform() < people.middle_rate:
            middle = given.draw(uniform)
            if middle == first:
                middle = given.values[-1]
        last = self.surname(people, female)
        born = date.fromordinal(
            int(self.rng.triangular(BIRTH_FIRST.toordinal(), BIRTH_LAST.toordinal(), BIRTH_MODE.toordinal()))
        )
        self.entities += 1
        person = {
            "id": "",
            "entity_id": f"e{self.entities:07d}",
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "date_of_birth": born.isoformat(),
            "email": "",
            "phone": "",
            **self.address(home),
            "country": home.code,
            "company": "",
            # private: what corruptions need
            "_country": home,
            "_culture": people,
            "_female": female,
        }
        if uniform() < COMPANY_RATE:
            name, form = self.employer(home)
            person["company"] = company_name(name, form)
            person["email"] = self.email(person, employer=name if uniform() < WORK_EMAIL_RATE else "")
        else:
            person["email"] = self.email(person)
        self.phone(person, person["_city"])
        return person

    def surname(self, people: Culture, female: bool) -> str:
        last = people.surnames.draw(self.uniform)
        if people.double_surname_rate and self.uniform() < people.double_surname_rate:
            last = f"{last} {people.surnames.draw(self.uniform)}"
        if female and people is CULTURES["pl"] and last.endswith(("ski", "cki", "dzki")):
            last = last[:-1] + "a"  # Kowalski -> Kowalska
        return last

    def address(self, home: Country, city: City | None = None) -> dict:
        uniform = self.uniform
        city = city or home.cities.draw(uniform)
        number = str(1 + int(uniform() ** 2 * 250))
        if uniform() < 0.05:
            number += "abc"[int(uniform() * 3)] if home.code in ("DE", "NL", "FR", "PL") else "A"
        return {
            "street_number": number,
            "street": home.streets[int(uniform() * len(home.streets))],
            "city": city.name,
            "postcode": fill(self.rng.choice(city.postcodes), uniform, home.postcode_letters) if city.postcodes else "",
            "region": city.region,
            "_city": city,
        }

    def phone(self, person: dict, city: City) -> None:
        """A number of the city (landline) or of the country's mobile ranges, in the person's favourite style."""
        home: Country = person["_country"]
        mobile = bool(home.mobiles) and self.uniform() < 0.6
        pattern = self.rng.choice(home.mobiles if mobile else city.landlines)
        person["_phone_groups"] = fill(pattern, self.uniform).split(" ")
        person["_phone_trunk"] = home.mobile_trunk if mobile else home.trunk
        style = home.phone_formats.draw(self.uniform)
        person["phone"] = format_phone(style, person["_phone_groups"], home, person["_phone_trunk"])

    def employer(self, home: Country) -> tuple[str, str]:
        """A company of ``home``'s (or a global one) and its legal form ("" a fifth of the time)."""
        if home.local_companies and self.uniform() < LOCAL_COMPANY_SHARE:
            name = self.rng.choice(home.local_companies)
        else:
            name = COMPANY_PICK.draw(self.uniform)
        form = "" if self.uniform() < 0.2 else home.legal_forms[int(self.uniform() ** 2 * len(home.legal_forms))]
        return name, form

    def company_domain(self, name: str, home: Country) -> str:
        key = (name, home.code)
        if key not in self.domains:
            words = [handle_part(word) for word in name.replace("&", " ").split() if handle_part(word)]
            checksum = zlib.crc32(f"{name}|{home.code}".encode())
            stem = "".join(words[:2]) if checksum % 3 else words[0]
            self.domains[key] = f"{stem}.{'com' if checksum % 4 == 0 else home.domain_suffix}"
        return self.domains[key]

    def email(self, person: dict, employer: str = "") -> str:
        """An address from the name, at ``employer``'s domain or a mail provider; a taken one gets a number."""
        uniform = self.uniform
        names = {
            "f": handle_part(person["first_name"]) or "x",
            "l": handle_part(person["last_name"]) or "x",
            "yy": person["date_of_birth"][2:4],
            "yyyy": person["date_of_birth"][:4],
        }
        names["i"], names["j"] = names["f"][0], names["l"][0]
        if employer:
            domain = self.company_domain(employer, person["_country"])
            handle = WORK_HANDLES.draw(uniform).format(**names)
        else:
            domain = self.providers[person["_country"].code].draw(uniform)
            handle = PERSONAL_HANDLES.draw(uniform).format(**names)
        email = f"{handle}@{domain}"
        for _ in range(4):
            if not self.take(email):
                break
            number = self.rng.choice((names["yy"], names["yyyy"], str(self.rng.randint(1, 999))))
            email = f"{handle}{number}@{domain}"
        return email

    def take(self, email: str) -> bool:
        """Mark an email address as given; whether it (probably) was already. Dots and a "+tag" do not count
        (Gmail delivers ``emily.smith@`` and ``emilysmith@`` to one mailbox: two people cannot have both)."""
        local, _at, domain = email.partition("@")
        mailbox = local.split("+", 1)[0].replace(".", "") + "@" + domain
        slot = zlib.crc32(mailbox.encode()) % self.handle_bits
        byte, bit = slot >> 3, 1 << (slot & 7)
        taken = bool(self.handles_taken[byte] & bit)
        self.handles_taken[byte] |= bit
        return taken

    # -- records ------------------------------------------------------------------------------------------

    def plain_record(self, person: dict) -> dict:
        """A record of the person as known, with the usual gaps: the person's first record, or a copy to corrupt."""
        uniform = self.uniform
        record = {field: person[field] for field in FIELDS}
        if uniform() < MISSING_RATE["date_of_birth"]:
            record["date_of_birth"] = ""
        if uniform() < MISSING_RATE["email"]:
            record["email"] = ""
        if uniform() < MISSING_RATE["phone"]:
            record["phone"] = ""
        if uniform() < MISSING_RATE["address"]:
            record["street_number"] = record["street"] = record["postcode"] = record["region"] = ""
            if uniform() < 0.5:
                record["city"] = ""
        return record

    def duplicate(self, person: dict) -> dict:
        """Another record of the person: its own gaps and 1 to 4 corruptions."""
        record = self.plain_record(person)
        wanted = self.corruption_counts.draw(self.uniform)
        applied, tried = 0, set()
        while applied < wanted and len(tried) < len(CORRUPTIONS):
            corruption = self.corruptions.draw(self.uniform)
            if corruption not in tried:
                tried.add(corruption)
                applied += corruption(self, record, person)
        if not applied:
            name_typo(self, record, person)
        return record

    def placeholder(self) -> dict:
        """A junk record, its own entity: placeholder name, email, phone or birth date."""
        uniform, choice = self.uniform, self.rng.choice
        self.entities += 1
        home = COUNTRY_PICK.draw(uniform)
        if uniform() < 0.5:
            first, middle, last = choice(PLACEHOLDER_NAMES)
        else:  # a real-looking name with junk contact data
            people, female = CULTURES[home.cultures.draw(uniform)], uniform() < 0.5
            first = (people.female if female else people.male).draw(uniform)
            middle, last = "", self.surname(people, female)
        email, phone = choice(PLACEHOLDER_EMAILS), choice(PLACEHOLDER_PHONES)
        if not email and not phone:
            email = PLACEHOLDER_EMAILS[0]
        kind = uniform()
        if kind < 0.6:
            address = dict.fromkeys(ADDRESS_FIELDS, "")
        elif kind < 0.8:
            address = {
                "street_number": choice(("1", "123", "0", "")), "street": choice(("Unknown", "N/A", "Test Street")),
                "city": choice(("Unknown", "", "N/A")), "postcode": choice(("", "00000", "XXX")), "region": "",
            }  # fmt: skip
        else:
            address = self.address(home)
        return {
            "id": "",
            "entity_id": f"e{self.entities:07d}",
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "date_of_birth": choice(PLACEHOLDER_DATES),
            "email": email,
            "phone": phone,
            **{field: address[field] for field in ADDRESS_FIELDS},
            "country": home.code if uniform() < 0.7 else "",
            "company": choice(PLACEHOLDER_COMPANIES),
        }


# --- corruptions of a duplicate: each changes ``record`` (a copy of ``person``) and says whether it applied ------


def name_typo(gen: _Generator, record: dict, person: dict) -> bool:
    field = "first_name" if gen.uniform() < 0.5 else "last_name"
    if len(record[field]) < 3:
        field = "last_name" if field == "first_name" else "first_name"
    record[field] = typo(record[field], gen.rng)
    return True


def nickname(gen: _Generator, record: dict, person: dict) -> bool:
    first = record["first_name"]
    key = first if first in NICKNAMES or first in FORMAL_NAMES else first.title()
    others = NICKNAMES.get(key, ()) + FORMAL_NAMES.get(key, ())
    if not others:
        return False
    record["first_name"] = same_case(gen.rng.choice(others), first)
    return True


PARTICLES = {"de", "van", "von", "der", "den", "di", "da", "del", "della", "le", "la"}


def name_spellings(name: str, *, surname: bool) -> list[str]:
    """Other ways to write a name: without accents, German umlauts as ae/oe/ue, particles and punctuation."""
    spellings = [ascii_fold(name), ascii_fold(name.translate(_GERMAN))]
    if "'" in name:
        spellings += [name.replace("'", ""), name.replace("'", " ")]
    if "-" in name:
        spellings += [name.replace("-", " "), name.replace("-", "")]
        if name.startswith(("Al-", "El-")):
            spellings.append(name[:2] + name[3:].lower())  # Al-Sayed -> Alsayed
    if surname and name.split(" ", 1)[0].lower() in PARTICLES:  # van Dijk -> Van Dijk, VanDijk; De Luca -> DeLuca
        spellings += [name[0].swapcase() + name[1:], name.replace(" ", "")]
    return [spelling for spelling in dict.fromkeys(spellings) if spelling != name]


def respelling(gen: _Generator, record: dict, person: dict) -> bool:
    options = [("first_name", spelling) for spelling in name_spellings(record["first_name"], surname=False)]
    options += [("last_name", spelling) for spelling in name_spellings(record["last_name"], surname=True)]
    last = record["last_name"]
    if person["_culture"] is CULTURES["es"] and " " in last:  # the second surname dropped
        options += [("last_name", last.split(" ")[0])] * 3
    if not options:
        return False
    field, spelling = gen.rng.choice(options)
    record[field] = spelling
    return True


def name_case(gen: _Generator, record: dict, person: dict) -> bool:
    before = (record["first_name"], record["middle_name"], record["last_name"])
    style = gen.rng.randrange(4)
    if style == 0:
        after = tuple(name.upper() for name in before)
    elif style == 1:
        after = tuple(name.lower() for name in before)
    elif style == 2:  # DUPONT Jean
        after = (before[0], before[1], before[2].upper())
    else:
        after = tuple(name.title() for name in before)
    record["first_name"], record["middle_name"], record["last_name"] = after
    return after != before


def first_initial(gen: _Generator, record: dict, person: dict) -> bool:
    first = record["first_name"]
    if len(first) < 3:
        return False
    record["first_name"] = first[0] + ("." if gen.uniform() < 0.7 else "")
    return True


def names_swapped(gen: _Generator, record: dict, person: dict) -> bool:
    if not record["first_name"] or not record["last_name"]:
        return False
    record["first_name"], record["last_name"] = record["last_name"], record["first_name"]
    return True


def middle_name(gen: _Generator, record: dict, person: dict) -> bool:
    middle = record["middle_name"]
    if middle:
        record["middle_name"] = "" if gen.uniform() < 0.6 else middle[0] + "."
        return True
    people: Culture = person["_culture"]
    if not people.middle_rate:
        return False
    record["middle_name"] = (people.female if person["_female"] else people.male).draw(gen.uniform)
    return record["middle_name"] != record["first_name"]


def married_name(gen: _Generator, record: dict, person: dict) -> bool:
    if not record["last_name"] or (not person["_female"] and gen.uniform() < 0.8):  # mostly women
        return False
    new = gen.surname(person["_culture"], person["_female"])
    if new == person["last_name"]:
        return False
    record["last_name"] = f"{record['last_name']}-{new}" if gen.uniform() < 0.3 else same_case(new, record["last_name"])
    return True


def birth_date_swapped(gen: _Generator, record: dict, person: dict) -> bool:
    born = record["date_of_birth"]
    if not born or int(born[8:]) > 12 or born[5:7] == born[8:]:
        return False
    record["date_of_birth"] = f"{born[:4]}-{born[8:]}-{born[5:7]}"
    return True


def birth_date_typo(gen: _Generator, record: dict, person: dict) -> bool:
    born = record["date_of_birth"]
    if not born:
        return False
    for _ in range(8):
        i = gen.rng.choice((2, 3, 3, 5, 6, 6, 8, 9, 9))  # a digit of the decade, year, month or day
        digit = "0123456789"[int(gen.uniform() * 10)]
        changed = born[:i] + digit + born[i + 1 :]
        try:
            date.fromisoformat(changed)
        except ValueError:
            continue
        if changed != born:
            record["date_of_birth"] = changed
            return True
    return False


def clear(field: str) -> Callable[[_Generator, dict, dict], bool]:
    """A corruption that drops ``field`` (when there is one)."""

    def missing(gen: _Generator, record: dict, person: dict) -> bool:
        had = bool(record[field])
        record[field] = ""
        return had

    missing.__name__ = f"{field}_missing"
    return missing


def email_variant(gen: _Generator, record: dict, person: dict) -> bool:
    email = record["email"]
    if not email:
        return False
    local, _, domain = email.partition("@")
    options = [".".join(part.capitalize() for part in local.split(".")) + "@" + domain, email.upper()]
    options.append(f"{local}@{domain.capitalize()}")
    tag = gen.rng.choice(GMAIL_TAGS)
    if domain in ("gmail.com", "googlemail.com"):  # Gmail ignores dots and +tags; both domains are one
        if "." in local:
            options += [local.replace(".", "") + "@" + domain] * 2
        options += [f"{local}+{tag}@{domain}"] * 2
        options.append(f"{local}@{'googlemail.com' if domain == 'gmail.com' else 'gmail.com'}")
    elif domain in ("outlook.com", "hotmail.com"):
        options.append(f"{local}+{tag}@{domain}")
    options = [option for option in options if option != email]
    if not options:
        return False
    record["email"] = gen.rng.choice(options)
    return True


def email_changed(gen: _Generator, record: dict, person: dict) -> bool:
    if gen.uniform() < 0.5:  # a new job: new employer, work email
        name, form = gen.employer(person["_country"])
        record["company"] = company_name(name, form)
        record["email"] = gen.email(person, employer=name)
    else:
        record["email"] = gen.email(person)
    return record["email"] != person["email"]


def phone_reformatted(gen: _Generator, record: dict, person: dict) -> bool:
    if not record["phone"]:
        return False
    home: Country = person["_country"]
    for _ in range(6):
        style = home.phone_formats.draw(gen.uniform)
        phone = format_phone(style, person["_phone_groups"], home, person["_phone_trunk"])
        if phone != record["phone"]:
            record["phone"] = phone
            return True
    return False


def moved(gen: _Generator, record: dict, person: dict) -> bool:
    same_city = person["_city"] if gen.uniform() < 0.5 else None
    address = gen.address(person["_country"], same_city)
    for field in ADDRESS_FIELDS:
        record[field] = address[field]
    return True


def address_format(gen: _Generator, record: dict, person: dict) -> bool:
    city: City = person["_city"]
    options = []
    if record["street"]:
        options.append(("street", street_variants(record["street"])))
    if record["postcode"]:
        options.append(("postcode", postcode_variants(record["postcode"], person["country"])))
    if record["city"]:
        options.append(("city", [*city.aliases, *city.aliases, record["city"].upper(), ascii_fold(record["city"])]))
    if record["region"]:
        options.append(("region", [*city.region_aliases, ""]))
    options = [(field, [v for v in variants if v != record[field]]) for field, variants in options]
    options = [(field, variants) for field, variants in options if variants]
    if not options:
        return False
    for field, variants in gen.rng.sample(options, 2 if len(options) > 1 and gen.uniform() < 0.3 else 1):
        record[field] = gen.rng.choice(variants)
    return True


def fields_missing(gen: _Generator, record: dict, person: dict) -> bool:
    present = [field for field in MAY_BE_MISSING if record[field]]
    if not present:
        return False
    for field in gen.rng.sample(present, min(len(present), gen.rng.randint(1, 3))):
        record[field] = ""
    return True


def company_variant(gen: _Generator, record: dict, person: dict) -> bool:
    company = record["company"]
    if not company:
        return False
    name, form = split_legal_form(company)
    options = [company.upper(), f"The {company}"]
    if form:
        options += [name] * 3 + [company_name(name, variant) for variant in LEGAL_FORM_VARIANTS.get(form, ())] * 2
    else:
        options += [company_name(name, person["_country"].legal_forms[0])] * 3
    if " & " in company:
        options += [company.replace(" & ", " and "), company.replace(" & ", "&")] * 2
    record["company"] = gen.rng.choice([option for option in options if option != company])
    return True


MAY_BE_MISSING = ("middle_name", "date_of_birth", "email", "phone", "street_number", "street", "city", "postcode",
                  "region", "company", "country")  # fmt: skip
CORRUPTIONS = (  # (corruption, weight): see the module's docstring
    (name_typo, 14), (nickname, 8), (respelling, 6), (name_case, 5), (first_initial, 4), (names_swapped, 3),
    (middle_name, 5), (married_name, 1.5), (birth_date_swapped, 4), (birth_date_typo, 4),
    (clear("date_of_birth"), 4), (email_variant, 6), (email_changed, 4), (clear("email"), 5),
    (phone_reformatted, 8), (clear("phone"), 5), (moved, 4), (address_format, 8), (fields_missing, 5),
    (company_variant, 5),
)  # fmt: skip
LEGAL_FORMS = sorted(
    {form for home in COUNTRIES for form in home.legal_forms} | {v for vs in LEGAL_FORM_VARIANTS.values() for v in vs},
    key=len,
    reverse=True,
)


def company_name(name: str, legal_form: str) -> str:
    return f"{name} {legal_form}" if legal_form else name


def split_legal_form(company: str) -> tuple[str, str]:
    """ "Northwind Traders Ltd" -> ("Northwind Traders", "Ltd")."""
    for form in LEGAL_FORMS:
        if company.endswith(" " + form):
            return company[: -len(form) - 1], form
    return company, ""


# --- the API -------------------------------------------------------------------------------------------------


def generate(n: int, *, duplicate_share: float = 0.2, seed: int = 42) -> Iterator[dict]:
    """Yield n person records. About `duplicate_share` of the records are extra copies (duplicates) of an
    earlier "true" person, each with realistic corruptions. Every record is a dict with str values ('' when
    missing):
      id            unique record id, e.g. "r0000001"
      entity_id     the true person's id (records with the same entity_id are duplicates of each other)
      first_name, middle_name, last_name
      date_of_birth ISO 'YYYY-MM-DD' or ''
      email, phone  (phone in various real-world formats, e.g. '+44 20 7946 0958', '020 7946 0958',
                    '(415) 555-2671', '4155552671')
      street_number, street, city, postcode, region, country (ISO 3166 alpha-2)
      company
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    if not 0 <= duplicate_share <= MAX_DUPLICATE_SHARE:
        raise ValueError(f"duplicate_share must be between 0 and {MAX_DUPLICATE_SHARE}, not {duplicate_share}")
    return _Generator(n, duplicate_share, seed).records()


def true_pairs(records: Iterable[dict]) -> set[tuple[str, str]]:
    """All pairs (id_a, id_b) with id_a < id_b of records sharing an entity_id (for scoring)."""
    first_ids: dict[str, str] = {}
    groups: dict[str, list[str]] = {}  # entities with more than one record
    for record in records:
        entity, record_id = record["entity_id"], record["id"]
        if entity in first_ids:
            groups.setdefault(entity, [first_ids[entity]]).append(record_id)
        else:
            first_ids[entity] = record_id
    return {(a, b) if a < b else (b, a) for ids in groups.values() for a, b in combinations(ids, 2)}


def main(argv: Sequence[str]) -> None:
    """``identity_data.py [N [PATH]]``: N records (10,000) as CSV to PATH (or stdout)."""
    n = int(argv[1]) if len(argv) > 1 else 10_000
    out = open(argv[2], "w", newline="", encoding="utf-8") if len(argv) > 2 else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        writer.writerows([record[field] for field in FIELDS] for record in generate(n))
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main(sys.argv)
