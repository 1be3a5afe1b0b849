"""A small Dutch-English glossary of public-administration and digital-government vocabulary.

BM25 cannot match "prioriteit" with "priority". Dictionary-based query translation is the
classic cross-language retrieval fix: a question's words are looked up here and the
translations are searched as a BM25 query over the other language's passages. The list covers
general vocabulary of government policy and digitalisation, not the answers to any question:
a hand-made core, then the content words that occur in three or more documents of the corpus
(Dutch and English), translated by hand.

>>> translate_words(["strategische", "doelen", "prioriteit"], "nl")[:3]
['strategic', 'goal', 'goals']
>>> translate_words(["obstacles", "citizens"], "en")
['belemmering', 'belemmeringen', 'knelpunt', 'knelpunten', 'obstakels', 'burger', 'burgers']
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

# Dutch word (lowercase, any inflection listed separately) -> English words.
_NL_EN = """
prioriteit prioriteiten: priority priorities
doel doelen doelstelling doelstellingen: goal goals objective objectives
strategisch strategische: strategic
strategie strategieën: strategy strategies
overheid overheden: government governments authorities
rijksoverheid: central government
gemeente gemeenten: municipality municipalities local authorities
provincie provincies: province provinces
waterschap waterschappen: water authority water authorities water board boards
burger burgers: citizen citizens
ondernemer ondernemers: entrepreneur entrepreneurs business businesses
bedrijven: businesses companies
dienstverlening: service delivery services
belemmering belemmeringen knelpunt knelpunten obstakels: obstacle obstacles barrier barriers
stap stappen: step steps
eerste: first initial
uitvoering uitvoeren: implementation implement
uitvoeringsprogramma: implementation programme
samenwerking samenwerken: cooperation collaboration cooperate
weerbaarheid: resilience
autonomie: autonomy
soevereiniteit soeverein soevereine: sovereignty sovereign
afhankelijkheid afhankelijkheden: dependency dependencies dependence
risico risico's: risk risks
werkomgeving werkplek: workspace workplace
kennis: knowledge
gegevens: data
delen: share sharing
kunstmatige intelligentie: artificial intelligence
ai: ai
voorzitter: chair chairman
minister: minister
staatssecretaris: state secretary
kabinet: cabinet
regering: government
kamer: house parliament representatives senate
tweede: second
brief brieven: letter letters
gepubliceerd publicatie: published publication
versnellen versnelling: accelerate acceleration
investering investeringen: investment investments
volgende: next
status: status
verantwoord verantwoorde: responsible
gebruik: use
europese: european
europa: europe
wetgeving: legislation
regels: rules
veiligheid: security safety
digitale: digital
digitalisering: digitalisation digitization
digitaliseringsstrategie: digitalisation strategy
nederland nederlandse: netherlands dutch
visie: vision
aanpak: approach
infrastructuur: infrastructure
voorzieningen: facilities services
open: open
standaarden standaard: standards standard
architectuur: architecture
innovatie: innovation
talent: talent
transparantie: transparency
vertrouwen: trust
proactief proactieve: proactive
contact: contact
inloggen: login
clouddiensten: cloud services
leveranciers leverancier: suppliers supplier vendors
beheer: management
werken werkt werk werkzaamheden: work works working
zaken: affairs matters
informatie: information
informatiesamenleving: information society
commissie commissies: committee committees commission
organisatie organisaties overheidsorganisatie overheidsorganisaties: organisation organisations
publieke publiek: public
maatschappelijke maatschappij samenleving: societal society
technologie technologieën: technology technologies
communicatietechnologie: communication technology
overleg overleggen: consultation consultative body meeting deliberation
bestuur besturen: administration governance
sturing regie: steering guidance direction coordination
systemen systeem: systems system
ontwikkelen ontwikkeling ontwikkelingen ontwikkeld: develop development developments developed
bouwen gebouwd: build built
dienstverleners dienstverlener: service providers provider
diensten dienst: services service
opgaven opgave: challenges tasks
uitdaging uitdagingen: challenge challenges
vraagstukken vraagstuk: issues questions
ervaring ervaringen: experience experiences
kansen kans: opportunities opportunity
eisen eis voorwaarden randvoorwaarden: requirements conditions preconditions
afspraken afspraak: agreements arrangements
belang belangrijk belangrijke: importance important
essentieel essentiële cruciaal: essential crucial
gezamenlijk gezamenlijke samen: joint together collectively
overheidsbreed overheidsbrede: government-wide
centraal centrale: central centrally
decentraal decentrale: decentralised local
lokaal lokale: local
toekomst: future
veilig veilige: secure safe
oplossing oplossingen: solution solutions
probleem problemen: problem problems
kwaliteit: quality
toegang toegankelijk toegankelijke: access accessible
beschikbaar: available
gebruikers gebruiker: users user
gegevensuitwisseling: data exchange
federatief: federated
datastelsel: data system
stelsel: system framework
ministerie ministeries: ministry ministries
koninkrijksrelaties: kingdom relations
justitie: justice
verslag: report minutes
rapport rapporten: report reports
advies adviezen: advice recommendation
aanbeveling aanbevelingen: recommendation recommendations
motie moties: motion motions
antwoord antwoorden: answer answers reply
vragen vraag: questions question
leden lid: members member
voorzitter voorzitterschap: chair chairman chairperson
griffier: clerk
geopolitieke geopolitiek: geopolitical
afhankelijk: dependent
leverancier: supplier
migratie migraties: migration migrations
transitie: transition
implementatie: implementation
schaalbaarheid opschalen: scalability scale
platform platforms: platform platforms
software: software
broncode: source code
licentie: licence license
inkopen aanbesteden aanbesteding: procure procurement tender
bedrijf: company business
economie: economy
wetenschap: science
onderzoek: research study
professionals: professionals
capaciteit: capacity
middelen: resources means
structureel structurele: structural
termijn: term period
jaar jaren: year years
week: week
ambitie ambities: ambition ambitions
richting: direction
besluit besluiten: decision decisions
keuzes keuze: choices choice
aanpakken: tackle address
versnellen: accelerate speed up
verbeteren verbetering: improve improvement
voorkomen: prevent
privacy: privacy
wet wetten: law act laws
regelgeving: regulation regulations
internationaal internationale: international
interbestuurlijk interbestuurlijke: intergovernmental
uitvoeringsorganisaties: implementing organisations executive agencies
beleid: policy
presenteren gepresenteerd: present presented
sessie bijeenkomst deskundigenbijeenkomst: session meeting expert meeting
draagvlak: support
"""


@cache
def _tables() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    nl_en: dict[str, list[str]] = {}
    en_nl: dict[str, list[str]] = {}
    for line in _NL_EN.strip().splitlines():
        left, _, right = line.partition(":")
        dutch, english = left.split(), right.split()
        for d in dutch:
            nl_en.setdefault(d, []).extend(e for e in english if e not in nl_en.get(d, []))
        for e in english:
            en_nl.setdefault(e, []).extend(d for d in dutch if d not in en_nl.get(e, []))
    return nl_en, en_nl


def translate_words(words: Iterable[str], source_language: str) -> list[str]:
    """Translations of the known ``words`` into the other language, in order, deduplicated."""
    nl_en, en_nl = _tables()
    table = nl_en if source_language == "nl" else en_nl
    out: list[str] = []
    for w in words:
        for t in table.get(w.lower(), ()):
            if t not in out:
                out.append(t)
    return out
