"""Project commands (COMMANDS_MODULE): `scrapy replica`, `scrapy demo`, …

Scrapy imports every command module at each start, `scrapy crawl` too, to list the commands: a module
here imports only what its options need, and its heavy modules (compliance, alerts, extraction, the
cluster…) inside its ``run``, so that they cost only the command that runs them (issue 16 item 3)."""
