package main

import "byline/internal/app"

// newsletterParts builds the newsletter's store and sender, as the server
// does.
var newsletterParts = app.NewsletterParts
