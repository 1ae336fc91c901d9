"""Project commands (COMMANDS_MODULE): `scrapy replica`, `scrapy demo`, …"""
