"""The small vocabularies behind speaker finding: speech verbs, titles, roles, words that are not names."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The words of a text block, as a set: vocabularies read better as prose than as lists."""
    return frozenset(text.split())


# Verbs that introduce or follow a direct quotation. Not "described/called/dubbed": those precede fragments.
SPEECH_VERBS = word_set(
    """
    said says say added adds told tells explained explains wrote writes posted posts tweeted tweets
    insisted insists noted notes stated states declared declares announced announces recalled recalls
    continued continues replied replies responded responds answered answers asked asks argued argues
    claimed claims warned warns admitted admits acknowledged acknowledges conceded concedes confirmed
    confirms shouted yelled joked jokes laughed quipped quips cried whispered mused muses captioned
    commented comments remarked remarks observed observes suggested suggests urged urges pleaded pleads
    promised promises vowed vows boasted boasts complained complains lamented laments countered counters
    agreed agrees emphasised emphasized emphasises emphasizes stressed stresses reiterated reiterates
    concluded concludes exclaimed sighed shared shares revealed reveals texted emailed messaged read reads
    recounted recounts testified testifies predicted predicts assured assures confided confides began
    offered offers added adding saying writing explaining noting telling insisting tweeting posting
    captioning joking continuing recalling warning declaring announcing stating asking replying
    responding sharing smiled grinned sighed shrugged beamed gushed gushing gushes enthused enthusing
    raved retorted snapped fumed
    """
)
# Participles continue the sentence's subject: "…,” he said, adding: “…”
PARTICIPLES = frozenset(verb for verb in SPEECH_VERBS if verb.endswith("ing"))

# Titles written before a name, and the role each gives ("Sen. Lopez" -> "the senator").
TITLES = {
    "president": "president", "vice president": "vice president", "senator": "senator",
    "sen": "senator", "rep": "representative", "representative": "representative",
    "congressman": "congressman", "congresswoman": "congresswoman", "governor": "governor",
    "gov": "governor", "mayor": "mayor", "coach": "coach", "dr": "doctor", "doctor": "doctor",
    "prof": "professor", "professor": "professor", "judge": "judge", "justice": "justice",
    "chief": "chief", "officer": "officer", "detective": "detective", "det": "detective",
    "sgt": "sergeant", "sergeant": "sergeant", "capt": "captain", "captain": "captain",
    "lt": "lieutenant", "lieutenant": "lieutenant", "gen": "general",
    "col": "colonel", "colonel": "colonel", "rev": "reverend", "reverend": "reverend",
    "father": "father", "sister": "sister", "pastor": "pastor", "rabbi": "rabbi", "imam": "imam",
    "bishop": "bishop", "pope": "pope", "king": "king", "queen": "queen", "prince": "prince",
    "princess": "princess", "lord": "lord", "lady": "lady", "sir": "", "dame": "",
    "chancellor": "chancellor", "minister": "minister", "prime minister": "prime minister",
    "secretary": "secretary", "commissioner": "commissioner", "superintendent": "superintendent",
    "principal": "principal", "director": "director", "chairman": "chairman",
    "chairwoman": "chairwoman", "councillor": "councillor", "councilor": "councillor",
    "councilman": "councilman", "councilwoman": "councilwoman", "sheriff": "sheriff",
    "inspector": "inspector", "ambassador": "ambassador", "premier": "premier", "speaker": "speaker",
    "mr": "", "mrs": "", "ms": "", "miss": "", "mx": "", "mister": "",
    "cllr": "councillor", "insp": "inspector", "supt": "superintendent", "alderman": "alderman",
    "alderwoman": "alderwoman", "ald": "alderman", "baroness": "baroness", "rt": "", "hon": "",
    "honourable": "", "honorable": "", "viscount": "viscount", "duchess": "duchess",
    "countess": "countess", "cardinal": "cardinal",
    "archbishop": "archbishop", "canon": "canon", "sheikh": "sheikh", "sheikha": "sheikha",
    "constable": "constable", "cmdr": "commander", "commander": "commander", "adm": "admiral",
    "admiral": "admiral", "maj": "major", "brig": "brigadier", "brigadier": "brigadier",
    "cpl": "corporal", "corporal": "corporal", "fr": "father", "msgr": "monsignor",
    "monsignor": "monsignor", "assemblymember": "assemblymember", "assemblywoman": "assemblywoman",
    "assemblyman": "assemblyman", "magistrate": "magistrate", "mme": "", "mlle": "", "frau": "",
    "herr": "",
}  # fmt: skip
# Abbreviated titles, which may take a full stop: "Insp. Ray Cole", "Cllr. Ann Bray".
ABBREVIATED_TITLES = word_set(
    "Mr Mrs Ms Mx Dr Sen Rep Gov Prof Sgt Capt Lt Gen Col Rev Det Insp Supt Cllr Cmdr Adm Maj Brig Cpl Fr "
    "Msgr Hon Rt Ald Mme Mlle Pres"
)
# Letters after a name that are not part of it: "Jane Hollis MP", "Martin Luther King Jr".
NAME_SUFFIXES = word_set("Jr Sr II III IV MP MSP MS MEP MLA MPP MHA TD QC KC OBE MBE CBE KBE DBE PhD")
# Small words inside a name: Isabel de la Cruz, Gwilym ap Rhys, Ama bint Saleh; at a sentence start
# they take a capital ("De la Cruz said"). Irish Ó/Ní/Mac stand before the surname as words of their own.
NAME_PARTICLES = word_set(
    "de da del della dei degli van von der den di du le la bin ibn bint binti al el dos das do ap ab ter ten "
    "zu vom zum y"
)
IRISH_PARTICLES = word_set("Ó Ní Nic Mac Mag Uí Ua")
# Hyphenated Arabic articles that start a surname: al-Assad, el-Sayed.
ARTICLE_PREFIXES = ("al", "el", "ad", "ar", "as", "ash", "az", "at", "an", "ul")
# First names given to women and men alike: their gender is left to the article.
UNISEX_NAMES = word_set(
    """
    Jordan Taylor Kelly Jesse Alex Charlie Jamie Robin Casey Morgan Riley Avery Quinn Cameron Drew Leslie
    Sasha Ashley Sam Frankie Jody Jodie Kim Lee Terry Dana Shannon Sydney Rowan Reese Jean Billie Toni
    """
)
FEMALE_WORDS = word_set(
    """
    mrs ms miss dame queen princess lady sister chairwoman councilwoman congresswoman spokeswoman
    businesswoman actress mother mom mum grandmother great-grandmother wife widow daughter girlfriend
    fiancée woman girl aunt niece sportswoman policewoman stepmother granddaughter baroness duchess
    countess alderwoman sheikha mme mlle frau landlady assemblywoman
    """
)
MALE_WORDS = word_set(
    """
    mr mister sir king prince lord father chairman councilman congressman spokesman businessman
    actor dad grandfather great-grandfather husband widower son boyfriend fiancé man boy uncle nephew
    sportsman policeman stepfather grandson baron duke earl viscount alderman sheikh herr landlord
    assemblyman
    """
)
# Roles that name a job: an unnamed "the officer" is someone new, so it is not guessed.
ROLES = word_set(
    """
    president senator mayor governor coach manager minister chancellor secretary director chief ceo
    founder co-founder owner spokesperson spokeswoman spokesman chairman chairwoman chair professor
    doctor judge sheriff captain councillor councilor councilwoman councilman commissioner principal
    superintendent officer detective inspector sergeant lieutenant colonel representative congressman
    congresswoman lawmaker prosecutor attorney lawyer pastor priest bishop rabbi imam reverend teacher
    nurse surgeon scientist researcher economist analyst author writer novelist poet player striker
    midfielder defender goalkeeper quarterback pitcher athlete chef farmer student resident organizer
    organiser volunteer activist executive leader host presenter editor reporter journalist architect
    engineer designer artist musician producer filmmaker comedian historian curator librarian ranger
    firefighter paramedic official expert witness neighbour neighbor spokesperson candidate campaigner
    ambassador premier justice general ecologist biologist physician psychologist head constable
    frontman frontwoman bassist guitarist drummer vocalist keyboardist singer-songwriter curator
    chair chairperson treasurer boss skipper forward midfielder winger batsman bowler goalie keeper
    headteacher headmaster headmistress parent co-author pundit economist landlord landlady publican
    barrister solicitor magistrate coroner pharmacist dentist midwife pilot alderman alderwoman mp msp
    mep mla dci ds dc pc dsupt
    """
)
# Descriptions a writer uses for the person the story is about: "the reality star", "the 37-year-old".
EPITHETS = word_set(
    """
    star mogul singer rapper actress actor model celebrity icon legend billionaire millionaire
    entrepreneur businesswoman businessman veteran native mother father wife husband widow widower
    daughter son sister brother girlfriend boyfriend partner fiancée fiancé grandmother grandfather
    great-grandmother great-grandfather mom dad mum superstar songwriter personality influencer
    youngster teenager newcomer rookie champion winner hopeful
    """
)
# Family words after a possessive name: "Kanye West’s wife" is someone else than Kanye West.
RELATIONS = word_set(
    """
    wife husband mother father son daughter sister brother partner girlfriend boyfriend fiancée fiancé
    widow widower mom dad mum grandmother grandfather
    """
)

# Capitalised words that begin sentences or name things, never a person's name on their own.
NOT_NAMES = word_set(
    """
    The A An In On At Of For With By From To As And But Or So Yet If When While After Before Since
    Until During Although Though Because However Meanwhile Still Also Then Now Later Earlier Last Next
    This That These Those It Its I We You They He She Her His Him Their Our My Your There Here What
    Who Whom Why How Where Which According Ahead Speaking Asked Despite Instead Even Just Only Many
    Some Most Several Both Each Every All No Not Yes One Two Three Four Five First Second Third Finally
    Falling Late Early Over Under Between Among Around About Against Without Within Into Through Across
    Once Twice Like Unlike Such Other Another Whether Indeed Already Again Here Today Tonight Tomorrow
    Yesterday Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov
    Dec Related Photo Read More Update Updated Editor Note Breaking Live Watch Listen Follow Share
    Christmas Easter Halloween Thanksgiving God Internet Covid Oh Please Thanks Thank Good Great Well
    Sorry Hello Hi Dear Happy Mum Mom Dad Meanwhile Elsewhere Overall Together Currently Recently
    """
)
# Words that make a capitalised phrase an organisation or a place rather than a person.
NOT_PERSON_WORDS = word_set(
    """
    House Office Council Department Dept Ministry Committee Commission Agency Authority Company Co Corp
    Corporation Inc Ltd LLC Group Holdings Bank University College School Academy Institute Hospital
    Clinic Foundation Trust Association Society Union Federation League Club Party Court Police Service
    Services Board Bureau Center Centre Museum Library Church Cathedral Times News Post Journal Gazette
    Herald Tribune Press Radio TV Television Network Street St Road Rd Avenue Ave Boulevard Lane Park
    Square Bridge City County State States Republic Kingdom Island Islands River Lake Mountain Mountains
    Valley Beach Airport Station Stadium Arena Hall Theatre Theater Festival Awards Cup Games Olympics
    Senate Congress Parliament Assembly Government Administration Army Navy Force Forces Guard Marines
    Fire Rescue Team FC United Rovers Images Media Studios Records Entertainment Twitter Instagram
    Facebook TikTok YouTube Reddit Threads Bluesky Mastodon LinkedIn Snapchat Oval Getty AP Reuters AFP
    BBC CNN Inc Co Market Mall Hotel Restaurant Cafe Bakery Farm Farms Brewery Garden Gardens Zoo
    Library Project Program Programme Fund Council Region District Province Village Town Borough Ward
    Harbour Harbor Port Bay Coast Northern Southern Eastern Western Central
    Museum Gallery Institute Lab Labs Laboratory Systems Technologies Motors Airlines Airways Energy
    Health Care Council Act Bill Day Week Month Year Prize Medal Championship Championships Series
    Tournament Open Marathon Court Prison Jail Supreme Federal National International Global American
    British English French German Chinese Canadian Australian European African Asian Mexican Irish
    Scottish Welsh Indian Japanese Korean Russian Ukrainian Italian Spanish Democrats Republicans
    Democrat Republican Labour Conservative Liberal Green Greens Commons Lords Cabinet Whitehall
    Downing Capitol Pentagon Kremlin Vatican Hollywood Broadway Netflix Amazon Google Apple Microsoft
    Meta Tesla Uber Walmart Disney Spotify Research Partners Capital Ventures Labs Review Alliance Forum
    Infirmary Surgery Reserve Trust Council Chamber Lanterns Policy Sport Sports Climate Diner Pub Inn
    Shop Store Stores Cinema Theatre Tavern Grill Kitchen Software Pharma Pharmaceuticals Airline Motors
    Industries Solutions Consulting Insurance Bakeries Brands Foods Telecom Digital Analytics
    """
)
# Words before a name that describe rather than name: "Democrat Elena Reyes", "Former Gov. Carol Hutchins".
DESCRIPTORS = word_set(
    """
    Former Ex Late Acting Interim Deputy Assistant Senior Junior Shadow Outgoing Incoming Retired Veteran
    Democrat Democratic Republican Labour Conservative Liberal Green Independent Tory American British
    English French German Chinese Canadian Australian European African Asian Mexican Irish Scottish Welsh
    Indian Japanese Korean Russian Ukrainian Italian Spanish Health Transport Education Foreign Home
    Finance Justice Defence Defense Culture Sports Fed Federal State City County Council Club Team Party
    """
)
# First words of place names; as a surname (Kanye West) they are names.
PLACE_STARTS = word_set("North South East West New Los Las San Santa Fort Mount Lake Upper Lower Greater")
PLACE_PREPOSITIONS = word_set("in at from near outside inside into across throughout around via of")

# First names whose gender is widely shared, for "he"/"she" when nothing else in the article says.
FEMALE_NAMES = word_set(
    """
    Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret
    Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca
    Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha
    Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce
    Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline
    Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail Alice Judy Sophia Grace
    Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie
    Kayla Alexis Lori Kate Katie Claire Clare Lucy Sophie Chloe Ella Mia Ava Amelia Isla Freya Zoe
    Priya Aisha Fatima Mei Yuki Ana Elena Sofia Lucia Carmen Rosa Ines Leila Nadia Ingrid Astrid Greta
    Eva Nina Tara Maya Leah Rose Ruby Holly Jade Jasmine Lily Ellie Molly Poppy Erin Fiona Siobhan
    Aoife Niamh Gemma Harriet Imogen Beatrice Eleanor Margot Naomi Esther Miriam Deborah Joanna Louise
    Caroline Jane Janet Joy Hazel Iris Violet Stella Sienna Aurora Camila Valeria Gabriela Daniela
    Mariana Paula Monica Veronica Sonia Anita Sunita Deepa Lakshmi Keisha Tanya Latoya Aaliyah
    Taylor Meghan
    """
)
MALE_NAMES = word_set(
    """
    James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel Matthew
    Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward
    Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin
    Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry
    Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger Terry Gerald Harold Sean
    Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie
    Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Harry
    Oliver Oscar Leo Liam Lucas Luke Owen Callum Connor Rory Finn Hugo Felix Theo Max Ben Tom Tim Sam
    Dan Dave Mike Jim Bill Bob Rob Steve Tony Nick Chris Pete Ian Neil Graham Stuart Colin Derek Trevor
    Nigel Simon Martin Malcolm Duncan Angus Hamish Ahmed Mohammed Muhammad Omar Ali Hassan Raj Arjun
    Rahul Vikram Hiroshi Kenji Wei Jun Carlos Luis Miguel Javier Diego Pablo Marco Giovanni Luca Pierre
    Jean-Pierre Hans Klaus Lars Sven Erik Ivan Dmitri Kwame Kofi Tunde Emeka Marcus Darius Malik Andre
    Jamal Tyrone Dwayne Jeff
    """
)

# Surnames that are also words for places: "Susan Park" is a person, "Central Park" is not.
SURNAME_LIKE = word_set(
    """
    Park Lane Hall Green Ward Church Bridge Bank Banks Brook Brooks Hill Wood Woods Field Fields Lake
    Marsh Bay Cross Post Street Young Rivers Gardens House Price King Bell Fox Gray Grey Law Day Rose
    """
)
NATIONALITIES = word_set(
    """
    American British English French German Chinese Canadian Australian European African Asian Mexican
    Irish Scottish Welsh Indian Japanese Korean Russian Ukrainian Italian Spanish Portuguese Brazilian
    Argentine Dutch Belgian Swiss Swedish Norwegian Danish Finnish Polish Czech Greek Turkish Nigerian
    Ghanaian Kenyan Ethiopian Jamaican Egyptian Israeli Iranian Pakistani Czech Serbian Croatian
    """
)
# Nouns for people, so "one fan" or "a local mother" is someone unnamed.
PEOPLE = word_set(
    """
    fan fans man woman person resident residents homeowner homeowners neighbour neighbor customer parent
    worker employee official source witness passenger shopper voter visitor member supporter critic
    protester protestor local owner commuter driver patient victim viewer listener reader user guest
    attendee participant onlooker bystander friend relative colleague teenager pupil tourist traveller
    traveler diner regular spokesperson spokeswoman spokesman insider observer expert tenant tenants
    pensioner motorist cyclist pedestrian shopkeeper trader stallholder fisherman angler hiker walker
    runner swimmer graduate survivor refugee campaigner mourner churchgoer parishioner villager
    """
)
# Words for the same role: "the minister" may be the Transport Secretary.
ROLE_SYNONYMS: dict[str, frozenset[str]] = {
    "minister": word_set("secretary chancellor premier"),
    "secretary": word_set("minister"),
    "goalie": word_set("goalkeeper keeper"),
    "goalkeeper": word_set("goalie keeper"),
    "keeper": word_set("goalie goalkeeper"),
    "lawmaker": word_set("senator representative congressman congresswoman"),
    "manager": word_set("coach boss"),
    "coach": word_set("manager"),
    "boss": word_set("manager coach"),
    "leader": word_set("president premier minister chief"),
    "executive": word_set("ceo"),
    "ceo": word_set("executive"),
    "official": word_set("spokesperson spokeswoman spokesman"),
}
# Words after which a clause, and so a subject, begins.
CLAUSE_WORDS = word_set(
    "and but while as when after before because although though since so then until if where who that"
)
