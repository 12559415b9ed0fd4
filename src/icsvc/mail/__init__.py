"""Mail in: one RFC 5322 message read into what `icsvc mail` acts on."""
