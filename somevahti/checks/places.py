"""Finnish municipalities and well-known districts: a place name here is read as a place
unless a first name or a title stands before it (Lahti, Salo, Kallio, Koski...)."""

from somevahti.checks.text import wordset

PLACES = wordset(
    """
    helsinki espoo tampere vantaa oulu turku jyväskylä kuopio lahti pori kouvola joensuu
    lappeenranta hämeenlinna vaasa seinäjoki rovaniemi mikkeli kotka salo porvoo kokkola
    lohja hyvinkää nurmijärvi järvenpää rauma kirkkonummi tuusula kajaani kerava savonlinna
    nokia kangasala ylöjärvi vihti riihimäki raasepori imatra raahe sastamala lempäälä
    tornio siilinjärvi kemi iisalmi hollola mäntsälä valkeakoski kaarina lieto kurikka
    heinola uusikaupunki kempele äänekoski kauhava pietarsaari naantali sipoo jämsä
    pirkkala varkaus forssa loimaa kuusamo ylivieska kauhajoki lapua janakkala kontiolahti
    liminka ilmajoki ikaalinen orimattila pieksämäki parainen laukaa mustasaari kemijärvi
    sodankylä inari kittilä enontekiö utsjoki muonio kolari pello ylitornio posio salla
    kainuu lappi uusimaa pirkanmaa satakunta pohjanmaa karjala savo häme kymenlaakso
    ahvenanmaa maarianhamina hanko inkoo karkkila loviisa pornainen askola lapinjärvi
    myrskylä pukkila nummi-pusula siuntio hamina pyhtää miehikkälä virolahti luumäki
    kallio töölö kamppi pasila vuosaari itäkeskus kontula malmi herttoniemi lauttasaari
    munkkiniemi kruununhaka punavuori ullanlinna kaivopuisto eira katajanokka sörnäinen
    vallila käpylä oulunkylä pakila pukinmäki tapanila puistola jakomäki mellunmäki
    kannelmäki pitäjänmäki haaga konala malminkartano kaarela tapiola leppävaara matinkylä
    otaniemi kauklahti espoonlahti olari niittykumpu tikkurila myyrmäki hakunila korso
    martinlaakso koivukylä hervanta kaleva tesoma lielahti pispala amuri hatanpää
    linnainmaa kaukajärvi tammela pyynikki härmälä lentävänniemi kupittaa runosmäki
    varissuo hirvensalo nummi raksila tuira toppila kaukovainio hiukkavaara myllyoja
    keskusta kaupunki kunta suomi ruotsi norja viro venäjä saksa lappeenrannan
    """
)
