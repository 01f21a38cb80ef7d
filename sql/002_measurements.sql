-- Measurement series of the water-quality monitoring stations (one row per sample and parameter).
-- depends: 001_catalogue
CREATE TABLE water_quality_measurement (
    station_fid bigint NOT NULL,
    sampled_on date NOT NULL,
    parameter text NOT NULL CHECK (parameter IN ('ph', 'do', 'bod5', 'cod', 'tss', 'nh4', 'coliform')),
    value double precision NOT NULL CHECK (value >= 0),
    PRIMARY KEY (station_fid, parameter, sampled_on)
);
