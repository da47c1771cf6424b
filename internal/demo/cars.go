package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"byline/internal/cars"
	"byline/internal/db"
	"byline/internal/leads"
	"byline/internal/mail"
)

// catalogue is the demo's New Car Research: real makes and models with
// plausible years and US price ranges (MSRP, rounded).
var catalogue = []cars.NewModel{
	{Make: "Infiniti", MakeCountry: "Japan", Name: "QX60", BodyStyle: "Midsize SUV, three rows", YearFrom: 2013, YearTo: 2026, PriceMin: 50000, PriceMax: 66000,
		Trims: []string{"Pure", "Luxe", "Sensory", "Autograph"}, Specs: specs("Engine", "2.0-liter turbo four, 268 hp", "Transmission", "9-speed automatic", "Seats", "7", "Fuel economy", "22 city / 29 highway mpg")},
	{Make: "Infiniti", Name: "QX80", BodyStyle: "Full-size SUV", YearFrom: 2014, YearTo: 2026, PriceMin: 83000, PriceMax: 112000,
		Trims: []string{"Luxe", "Sensory", "Autograph"}, Specs: specs("Engine", "3.5-liter twin-turbo V6, 450 hp", "Towing", "8,500 lb", "Seats", "7 or 8")},
	{Make: "Infiniti", Name: "QX50", BodyStyle: "Compact SUV", YearFrom: 2019, YearTo: 2025, PriceMin: 42000, PriceMax: 57000,
		Trims: []string{"Pure", "Luxe", "Sport", "Autograph"}, Specs: specs("Engine", "2.0-liter variable-compression turbo, 268 hp", "Drive", "front or all-wheel")},
	{Make: "Infiniti", Name: "Q50", BodyStyle: "Sport sedan", YearFrom: 2014, YearTo: 2024, PriceMin: 43000, PriceMax: 58000,
		Trims: []string{"Luxe", "Sensory", "Red Sport 400"}, Specs: specs("Engine", "3.0-liter twin-turbo V6, 300 or 400 hp")},
	{Make: "Nissan", MakeCountry: "Japan", Name: "Rogue", BodyStyle: "Compact SUV", YearFrom: 2021, YearTo: 2026, PriceMin: 29000, PriceMax: 40000,
		Trims: []string{"S", "SV", "SL", "Platinum"}, Specs: specs("Engine", "1.5-liter turbo three, 201 hp", "Fuel economy", "30 city / 37 highway mpg")},
	{Make: "Nissan", Name: "Leaf", BodyStyle: "Electric hatchback", YearFrom: 2018, YearTo: 2026, PriceMin: 29000, PriceMax: 37000,
		Trims: []string{"S", "SV Plus"}, Specs: specs("Range", "149 to 212 miles", "Battery", "40 or 60 kWh")},
	{Make: "Nissan", Name: "Frontier", BodyStyle: "Midsize pickup", YearFrom: 2022, YearTo: 2026, PriceMin: 31000, PriceMax: 45000,
		Trims: []string{"S", "SV", "PRO-4X", "SL"}, Specs: specs("Engine", "3.8-liter V6, 310 hp", "Towing", "6,720 lb")},
	{Make: "Toyota", MakeCountry: "Japan", Name: "Camry", BodyStyle: "Midsize sedan", YearFrom: 2018, YearTo: 2026, PriceMin: 29000, PriceMax: 37000,
		Trims: []string{"LE", "SE", "XLE", "XSE"}, Specs: specs("Powertrain", "2.5-liter hybrid, 225 hp", "Fuel economy", "up to 51 city / 49 highway mpg")},
	{Make: "Toyota", Name: "RAV4", BodyStyle: "Compact SUV", YearFrom: 2019, YearTo: 2026, PriceMin: 30000, PriceMax: 48000,
		Trims: []string{"LE", "XLE", "Adventure", "Limited", "Prime XSE"}, Specs: specs("Engine", "2.5-liter four or hybrid", "Drive", "front or all-wheel")},
	{Make: "Toyota", Name: "Tacoma", BodyStyle: "Midsize pickup", YearFrom: 2024, YearTo: 2026, PriceMin: 32000, PriceMax: 65000,
		Trims: []string{"SR", "TRD Sport", "TRD Off-Road", "Limited", "TRD Pro"}, Specs: specs("Engine", "2.4-liter turbo four or hybrid, up to 326 hp")},
	{Make: "Toyota", Name: "Prius", BodyStyle: "Hybrid hatchback", YearFrom: 2023, YearTo: 2026, PriceMin: 29000, PriceMax: 37000,
		Trims: []string{"LE", "XLE", "Limited"}, Specs: specs("Fuel economy", "up to 57 mpg combined")},
	{Make: "Ford", MakeCountry: "United States", Name: "F-150", BodyStyle: "Full-size pickup", YearFrom: 2021, YearTo: 2026, PriceMin: 38000, PriceMax: 80000,
		Trims: []string{"XL", "XLT", "Lariat", "King Ranch", "Platinum", "Raptor"}, Specs: specs("Engines", "2.7 and 3.5 EcoBoost V6, 5.0 V8, hybrid", "Towing", "up to 13,500 lb")},
	{Make: "Ford", Name: "Mustang", BodyStyle: "Sports coupe", YearFrom: 2024, YearTo: 2026, PriceMin: 32000, PriceMax: 65000,
		Trims: []string{"EcoBoost", "GT", "Dark Horse"}, Specs: specs("Engine", "5.0-liter V8, up to 500 hp")},
	{Make: "Ford", Name: "Explorer", BodyStyle: "Midsize SUV, three rows", YearFrom: 2020, YearTo: 2026, PriceMin: 40000, PriceMax: 58000,
		Trims: []string{"Active", "ST-Line", "Platinum", "ST"}, Specs: specs("Engine", "2.3-liter turbo four or 3.0 V6")},
	{Make: "Honda", MakeCountry: "Japan", Name: "Civic", BodyStyle: "Compact car", YearFrom: 2022, YearTo: 2026, PriceMin: 25000, PriceMax: 46000,
		Trims: []string{"LX", "Sport", "EX", "Sport Touring Hybrid", "Type R"}, Specs: specs("Engine", "2.0-liter four or hybrid")},
	{Make: "Honda", Name: "CR-V", BodyStyle: "Compact SUV", YearFrom: 2023, YearTo: 2026, PriceMin: 31000, PriceMax: 42000,
		Trims: []string{"LX", "EX", "Sport Hybrid", "Sport Touring Hybrid"}, Specs: specs("Engine", "1.5-liter turbo four or hybrid")},
	{Make: "Chevrolet", MakeCountry: "United States", Name: "Silverado 1500", BodyStyle: "Full-size pickup", YearFrom: 2019, YearTo: 2026, PriceMin: 38000, PriceMax: 73000,
		Trims: []string{"WT", "Custom", "LT", "RST", "Trail Boss", "High Country"}, Specs: specs("Engines", "2.7 turbo four, 5.3 and 6.2 V8, 3.0 diesel")},
	{Make: "Chevrolet", Name: "Equinox EV", BodyStyle: "Electric compact SUV", YearFrom: 2024, YearTo: 2026, PriceMin: 35000, PriceMax: 49000,
		Trims: []string{"LT", "RS"}, Specs: specs("Range", "up to 319 miles")},
	{Make: "Lexus", MakeCountry: "Japan", Name: "RX", BodyStyle: "Midsize luxury SUV", YearFrom: 2023, YearTo: 2026, PriceMin: 50000, PriceMax: 72000,
		Trims: []string{"350", "350h", "450h+", "500h F Sport"}, Specs: specs("Engine", "2.4-liter turbo four or hybrid")},
	{Make: "BMW", MakeCountry: "Germany", Name: "X5", BodyStyle: "Midsize luxury SUV", YearFrom: 2019, YearTo: 2026, PriceMin: 67000, PriceMax: 92000,
		Trims: []string{"sDrive40i", "xDrive40i", "xDrive50e", "M60i"}, Specs: specs("Engine", "3.0-liter turbo six, V8 or plug-in hybrid")},
	{Make: "Hyundai", MakeCountry: "South Korea", Name: "Ioniq 5", BodyStyle: "Electric compact SUV", YearFrom: 2022, YearTo: 2026, PriceMin: 43000, PriceMax: 60000,
		Trims: []string{"SE", "SEL", "Limited", "XRT"}, Specs: specs("Range", "up to 318 miles", "Charging", "10–80% in about 20 minutes")},
	{Make: "Subaru", MakeCountry: "Japan", Name: "Outback", BodyStyle: "Wagon", YearFrom: 2020, YearTo: 2026, PriceMin: 30000, PriceMax: 44000,
		Trims: []string{"Base", "Premium", "Limited", "Wilderness", "Touring"}, Specs: specs("Drive", "all-wheel", "Engine", "2.5-liter flat four or 2.4 turbo")},
}

// specs pairs labels and values.
func specs(kv ...string) []cars.Spec {
	var out []cars.Spec
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, cars.Spec{Label: kv[i], Value: kv[i+1]})
	}
	return out
}

// dealerFile is the demo's dozen dealers, invented, across several states
// and Canada, in the CSV format the admin's import takes.
const dealerFile = `name,street,city,region,postal,country,phone,lead_emails,makes,coverage,daily_cap,active,adf_attachment
Hudson Valley Infiniti,120 Route 9W,Newburgh,NY,12550,US,845-555-0142,leads@hudsonvalleyinfiniti.example,Infiniti,125 124 126 105 100 101 102 103 104,40,yes,no
Garden State Infiniti,400 Route 17,Paramus,NJ,07652,US,201-555-0110,crm@gardenstateinfiniti.example,Infiniti;Nissan,07 08 100,40,yes,yes
Lakeshore Nissan,2201 N Clybourn Ave,Chicago,IL,60614,US,312-555-0191,internet@lakeshorenissan.example,Nissan;Infiniti,606 600 601 602 603 604,60,yes,no
Prairie Toyota,8800 W Dodge Rd,Omaha,NE,68114,US,402-555-0123,leads@prairietoyota.example,Toyota,681 680 685,30,yes,no
Bay Bridge Toyota,3300 Broadway,Oakland,CA,94611,US,510-555-0166,sales@baybridgetoyota.example,Toyota;Lexus,945 946 947 948 941 940,50,yes,no
Lone Star Ford,6100 I-35 Frontage Rd,Austin,TX,78752,US,512-555-0177,leads@lonestarford.example,Ford,786 787 788 789,50,yes,no
Motor City Chevrolet,14500 Gratiot Ave,Detroit,MI,48205,US,313-555-0158,bdc@motorcitychevy.example;manager@motorcitychevy.example,Chevrolet,480 481 482 483,40,yes,no
Peachtree Honda,5500 Peachtree Industrial Blvd,Atlanta,GA,30341,US,770-555-0135,honda.leads@peachtreehonda.example,Honda,300 301 303 305,40,yes,no
Cascade Subaru,11800 NE 8th St,Bellevue,WA,98005,US,425-555-0189,leads@cascadesubaru.example,Subaru;Hyundai,980 981 982 983,30,yes,no
Front Range BMW,9200 E Arapahoe Rd,Greenwood Village,CO,80112,US,303-555-0104,leads@frontrangebmw.example,BMW,800 801 802 803 804 805,20,yes,yes
Queen Street Infiniti Nissan,500 King St W,Toronto,ON,M5V 1L9,CA,416-555-0130,leads@queenstreetinfiniti.example,Infiniti;Nissan,M5 M4 M6 L4,40,yes,no
Rive-Sud Toyota,3000 Boulevard Taschereau,Longueuil,QC,J4V 2H4,CA,450-555-0148,ventes@rivesudtoyota.example,Toyota;Hyundai,J4 J3 H1 H2 H3,30,yes,no
`

// noOutbox takes the demo's past leads' mails without keeping them: they
// went out long ago.
type noOutbox struct{ n int }

func (o *noOutbox) EnqueueID(context.Context, db.Querier, mail.Message) (string, error) {
	o.n++
	return fmt.Sprintf("demo-%d@byline.localhost", o.n), nil
}

// pastBuyers are the people behind the demo's past quote requests.
var pastBuyers = []struct{ first, last, postal string }{
	{"Maya", "Lindgren", "12550"}, {"Tomas", "Reyes", "07652"}, {"Priya", "Natarajan", "60614"}, {"Ben", "Okafor", "68114"},
	{"Chloe", "Martin", "94611"}, {"Diego", "Alvarez", "78752"}, {"Hannah", "Kowalski", "48205"}, {"Marcus", "Bell", "30341"},
	{"Aiko", "Tanaka", "98005"}, {"Sophie", "Tremblay", "J4V 2H4"}, {"Liam", "Chen", "M5V 2T6"}, {"Grace", "Murphy", "80112"},
	{"Noah", "Fischer", "99501"}, {"Olivia", "Brooks", "10001"}, {"Ethan", "Park", "07030"},
}

// loadCars adds the catalogue, the dealers and ten weeks of past quote
// requests, so the research pages and the leads screen look alive.
func loadCars(ctx context.Context, d *db.DB, loc *time.Location) error {
	c := cars.NewStore(d)
	for _, m := range catalogue {
		if m.MakeCountry == "" {
			for _, x := range catalogue {
				if x.Make == m.Make && x.MakeCountry != "" {
					m.MakeCountry = x.MakeCountry
				}
			}
		}
		if _, err := c.AddModel(ctx, m); err != nil {
			return fmt.Errorf("demo: catalogue: %w", err)
		}
	}
	store := leads.NewStore(d, c, &noOutbox{}, loc)
	rep, err := store.ImportDealers(ctx, strings.NewReader(dealerFile))
	if err != nil {
		return fmt.Errorf("demo: dealers: %w", err)
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("demo: dealers: %s", strings.Join(rep.Problems, "; "))
	}
	cat, err := c.Catalogue(ctx)
	if err != nil {
		return err
	}
	// Which models each buyer's area asks about (the dealers nearby sell them).
	wants := map[string][]string{"12550": {"infiniti/qx60", "infiniti/qx80"}, "07652": {"infiniti/qx60", "nissan/rogue", "infiniti/qx50"},
		"60614": {"nissan/rogue", "nissan/leaf", "infiniti/qx60"}, "68114": {"toyota/rav4", "toyota/tacoma"}, "94611": {"toyota/prius", "lexus/rx", "toyota/camry"},
		"78752": {"ford/f-150", "ford/mustang", "ford/explorer"}, "48205": {"chevrolet/silverado-1500", "chevrolet/equinox-ev"}, "30341": {"honda/cr-v", "honda/civic"},
		"98005": {"subaru/outback", "hyundai/ioniq-5"}, "J4V 2H4": {"toyota/rav4", "hyundai/ioniq-5"}, "M5V 2T6": {"infiniti/qx60", "nissan/rogue"},
		"80112": {"bmw/x5"}, "99501": {"subaru/outback"}, "10001": {"infiniti/qx80"}, "07030": {"infiniti/qx60"}}
	now := time.Now()
	n := 0
	var past []leads.Past
	for week := 9; week >= 0; week-- {
		for i, b := range pastBuyers {
			if (i+week)%3 == 0 && week%2 == 1 { // a quieter rhythm some weeks
				continue
			}
			list := wants[b.postal]
			key := list[(i+week)%len(list)]
			mkSlug, mdSlug, _ := strings.Cut(key, "/")
			mk, ok := cat.Make(mkSlug)
			if !ok {
				return fmt.Errorf("demo: no make %s", mkSlug)
			}
			var model *cars.Model
			for _, m := range mk.Models {
				if m.Slug == mdSlug {
					model = m
				}
			}
			if model == nil {
				return fmt.Errorf("demo: no model %s", key)
			}
			n++
			at := now.AddDate(0, 0, -7*week-(i%5)).Add(-time.Duration(i*47) * time.Minute)
			past = append(past, leads.Past{At: at, Request: leads.Request{MakeID: mk.ID, ModelID: model.ID, Year: model.YearTo, Postal: b.postal,
				FirstName: b.first, LastName: b.last, Email: fmt.Sprintf("%s.%s%d@example.org", strings.ToLower(b.first), strings.ToLower(b.last), week),
				Timeframe: []string{"now", "month", "quarter", "research"}[n%4], Consent: true, IP: "203.0.113.7"}})
		}
	}
	// In one transaction: a commit per request was most of the demo's load.
	if err := store.SubmitPast(ctx, past, leads.Provider{Name: Settings.Name}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
