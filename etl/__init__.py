"""tradeboard ETL: raw official files -> validated tidy frames in data/clean/."""
