/* The first and last day of a period label, and today in Luoyang (a period may not lie in the future). */
SELECT p.kind, p.starts_on, p.ends_on, luoyang_today() AS today FROM governance.period_bounds(${period}) p
