package wordpress_test

import (
	"fmt"
	"io"
	"log"
	"strings"

	"byline/internal/wordpress"
)

func ExampleReader() {
	const file = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
	<title>A magazine</title>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example</wp:base_site_url>
	<item>
		<title>Hello</title>
		<content:encoded><![CDATA[First paragraph.

Second, with [caption id="attachment_7"]<img src="https://old.example/wp-content/uploads/a.jpg" alt=""> A caption[/caption]]]></content:encoded>
		<wp:post_id>3</wp:post_id>
		<wp:post_date_gmt>2024-05-01 09:00:00</wp:post_date_gmt>
		<wp:status>publish</wp:status>
		<wp:post_type>post</wp:post_type>
	</item>
</channel>
</rss>`
	r := wordpress.NewReader(strings.NewReader(file))
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err) // an *wordpress.Error: line, column and what is wrong
		}
		switch rec := rec.(type) {
		case *wordpress.Site:
			fmt.Println("site:", rec.Title, rec.BaseSiteURL, rec.WXRVersion)
		case *wordpress.Item:
			text, refs := wordpress.Content(rec.Content, wordpress.ContentOptions{})
			fmt.Println(rec.Type, rec.ID, rec.Status, rec.Date().Format("2006-01-02 15:04 MST"))
			fmt.Println(text)
			for _, ref := range refs {
				fmt.Printf("ref: %s id=%d url=%q\n", ref.Kind, ref.ID, ref.URL)
			}
		}
	}
	// Output:
	// site: A magazine https://old.example 1.2
	// post 3 publish 2024-05-01 09:00 UTC
	// <p>First paragraph.</p>
	//
	// <p>Second, with</p>
	//
	// <figure>
	// <img src="https://old.example/wp-content/uploads/a.jpg" alt="">
	// <figcaption>A caption</figcaption>
	// </figure>
	// ref: attachment id=7 url=""
	// ref: image id=0 url="https://old.example/wp-content/uploads/a.jpg"
}
