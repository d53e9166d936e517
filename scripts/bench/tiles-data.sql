/* 100,000 parcels for the tile benchmark (nothing returned): a grid of 80 m × 60 m parcels on 100 m × 80 m cells, ${columns} to a row, south-west corner at ${west}, ${south} (洛龙区); every fifth supplied to one of 1,000 enterprises with 2023 figures. */
SET LOCAL session_replication_role = replica;  -- bulk load: no event-log rows, no FK triggers (consistent by construction)

INSERT INTO enterprise (credit_code, name, county_code, industry)
SELECT '91410300' || lpad(g::text, 10, '0'), '洛阳市第' || g || '装备制造有限公司', '410311', '装备制造'
  FROM generate_series(1, 1000) g;

INSERT INTO parcel (code, county_code, land_use, stage, geom)
SELECT 'BP-' || lpad(g::text, 6, '0'), '410311', '工业用地',
       (ARRAY['approved','supplied','under_construction','completed','producing','recovered'])[1 + g % 6],
       ST_Multi(ST_MakeEnvelope(
         ${west} + (g % ${columns}) * ${dlon}, ${south} + (g / ${columns}) * ${dlat},
         ${west} + (g % ${columns}) * ${dlon} + 0.8 * ${dlon}, ${south} + (g / ${columns}) * ${dlat} + 0.75 * ${dlat}, 4490))
  FROM generate_series(0, ${n} - 1) g;

INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, signed_on, price_wan, agreed_start_on)
SELECT 'HT-' || p.id, p.id, p.county_code, 'grant', '91410300' || lpad((1 + p.id % 1000)::text, 10, '0'),
       date '2018-01-01' + (p.id % 1000)::int, 500 + p.id % 2000, date '2018-07-01' + (p.id % 1000)::int
  FROM parcel p WHERE p.id % 5 = 0;

INSERT INTO enterprise_year (credit_code, year, tax_paid_wan, output_wan)
SELECT e.credit_code, 2023, 100 + right(e.credit_code, 3)::int, 5000 FROM enterprise e;

ANALYZE;
