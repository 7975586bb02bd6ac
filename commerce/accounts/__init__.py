"""Users (custom model from the first migration), mobiles, captcha, SMS codes, QQ login, addresses,
areas and browsing history."""
