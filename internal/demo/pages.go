package demo

import (
	"context"
	"fmt"
	"time"

	"byline/internal/account"
	"byline/internal/article"
)

// demoPages are Motor Ledger's pages outside the news, in footer order.
var demoPages = []article.PageInput{
	{Title: "About Motor Ledger", Slug: "about", Position: 1, BodyMD: `Motor Ledger covers the car business the way owners live it: what is new in the showroom, what it costs to run, what goes wrong, and who builds it where.

We are a small newsroom of reporters who drive, test and read the fine print. We cover the auto shows from Detroit to Geneva, the monthly sales figures, recalls and crash tests, fuel-economy rules, electric cars in a Canadian winter, and a good deal of motorsport.

## How we work

- **We pay our own way.** Test cars come from manufacturers' press fleets for a week at a time; we do not accept gifts, and trips to launch events are disclosed in the article.
- **We correct our mistakes.** When we get something wrong we fix it and say so at the end of the article.
- **Advertising does not buy coverage.** Our sales team does not see stories before they are published, and editors do not see advertising deals.

## The people

Our [contributors](/) are listed on every page. Write to the editor-in-chief, Helen Marsh, through the [contact page](/contact/).`},
	{Title: "Contact", Slug: "contact", Position: 2, BodyMD: `We read everything that comes in, even when we cannot answer it all.

- **News tips and corrections:** tips@motorledger.example. If you work for a carmaker or a supplier and want to talk in confidence, say so in your first message and we will take it from there.
- **Reader questions about a car you own:** letters@motorledger.example. We answer the most useful ones in print.
- **Comments and moderation:** moderators@motorledger.example, or use the “Report” link under any comment.
- **Advertising:** see the [advertising page](/advertise/).

Motor Ledger, 1200 Woodward Avenue, Suite 400, Detroit, MI 48226, United States.`},
	{Title: "Advertise with Motor Ledger", Slug: "advertise", Position: 3, BodyMD: `Motor Ledger reaches people who are about to buy a car, and people who never stop reading about them.

## What we offer

- **Display advertising** on the home page, in articles and on the New Car Research pages.
- **Newsletter sponsorship:** one sponsor per e-Newsletter issue, clearly labelled.
- **Dealer programs:** qualified quote requests from our New Car Research pages, delivered to your CRM as ADF XML.

Sponsored content is always labelled as such and is never written by the newsroom.

Write to ads@motorledger.example for our rate card and audience figures.`},
	{Title: "Privacy Policy", Slug: "privacy", Position: 4, BodyMD: `This page says what Motor Ledger keeps about you and why.

## What we keep

- **If you only read:** nothing that identifies you. We count page views per article and per day, without cookies and without recording who you are.
- **If you register:** your e-mail address, your display name, your country and what you choose to add to your profile. Your password is stored only as a salted hash.
- **If you comment:** your comments and votes, shown with your display name.
- **If you subscribe to the e-Newsletter:** your address and the date you confirmed it. Every issue has a one-click unsubscribe link.
- **If you ask for a dealer quote:** what you typed in the form, sent to up to three dealers near you, who may contact you about that car.

## What we do not do

We do not sell your data, we do not run third-party trackers, and we do not show your e-mail address to anyone.

## Your choices

You can change or delete your account from your account page at any time. For anything else, write to privacy@motorledger.example.`},
	{Title: "Terms of Use", Slug: "terms", Position: 5, BodyMD: `By using Motor Ledger you agree to these terms.

1. **Our articles** are our own work. Quote them briefly with a link; ask before republishing them.
2. **Your comments** remain yours, but you allow us to show them on the site. Keep them civil and on topic: moderators remove personal attacks, spam and anything unlawful, and may suspend accounts that keep at it.
3. **Prices and specifications** on the New Car Research pages are manufacturers' suggested retail prices and published figures, rounded. Check them with a dealer before you buy.
4. **Dealer quotes** come from independent dealers. Motor Ledger is not a party to any sale.
5. **No warranty:** we work hard to be accurate, but we cannot promise that every word is free of error.

Questions about these terms go to legal@motorledger.example.`},
}

// loadPages adds the demo's pages, written by the editor-in-chief.
func loadPages(ctx context.Context, articles *article.Store, people *account.Store) error {
	editor, err := people.Find(ctx, People[0].Email)
	if err != nil {
		return fmt.Errorf("demo: pages: %w", err)
	}
	// Written when the magazine went online, each touched up since.
	launched := time.Date(2011, 9, 1, 10, 0, 0, 0, time.UTC)
	for i, p := range demoPages {
		p.AuthorID, p.Status = editor.ID, article.PagePublished
		p.CreatedAt, p.PublishedAt = launched, launched
		p.UpdatedAt = launched.AddDate(0, 3+i*2, i*5)
		if _, err := articles.CreatePage(ctx, p); err != nil {
			return fmt.Errorf("demo: page %s: %w", p.Slug, err)
		}
	}
	return nil
}
