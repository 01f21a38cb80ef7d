"""ISO 19139 metadata XML of the layers: well-formed, and carrying the catalogue's values."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gml": "http://www.opengis.net/gml/3.2",
}
IDENT = "gmd:identificationInfo/gmd:MD_DataIdentification"
LAYERS = ["province", "rivers", "water_quality_stations", "protected_areas", "species_observations"]


def fetch(client, layer_id: str) -> tuple[ET.Element, dict]:
    response = client.get(f"/layers/{layer_id}/metadata.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(response.data)
    assert root.tag == f"{{{NS['gmd']}}}MD_Metadata"
    return root, client.get(f"/api/layers/{layer_id}").get_json()


def text(root: ET.Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    return (found.text or "").strip()


def texts(root: ET.Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in root.findall(path, NS)]


def code_value(root: ET.Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    assert found.get("codeList"), path
    assert found.get("codeListValue") == found.text, path
    return found.get("codeListValue") or ""


@pytest.mark.parametrize("layer_id", LAYERS)
def test_citation_abstract_and_keywords_in_both_languages(client, layer_id):
    root, detail = fetch(client, layer_id)
    meta = detail["metadata"]
    citation = f"{IDENT}/gmd:citation/gmd:CI_Citation"
    assert text(root, f"{citation}/gmd:title/gco:CharacterString") == detail["title"]["vi"]
    english = f"{citation}/gmd:title/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString"
    assert text(root, english) == detail["title"]["en"]
    assert root.find(english, NS).get("locale") == "#locale-en"
    assert text(root, f"{IDENT}/gmd:abstract/gco:CharacterString") == meta["abstract_vi"]
    en_abstract = f"{IDENT}/gmd:abstract/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString"
    assert text(root, en_abstract) == meta["abstract_en"]
    keywords = f"{IDENT}/gmd:descriptiveKeywords/gmd:MD_Keywords/gmd:keyword"
    assert texts(root, f"{keywords}/gco:CharacterString") == meta["keywords_vi"]
    assert texts(root, f"{keywords}/gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString") == meta["keywords_en"]
    assert text(root, f"{citation}/gmd:date/gmd:CI_Date/gmd:date/gco:Date") == meta["reference_date"]
    assert (
        code_value(root, f"{citation}/gmd:date/gmd:CI_Date/gmd:dateType/gmd:CI_DateTypeCode")
        == meta["reference_date_type"]
    )


@pytest.mark.parametrize("layer_id", LAYERS)
def test_bbox_is_the_computed_extent_of_the_api(client, layer_id):
    root, detail = fetch(client, layer_id)
    box = f"{IDENT}/gmd:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox"
    west, south, east, north = detail["bbox"]
    assert float(text(root, f"{box}/gmd:westBoundLongitude/gco:Decimal")) == west
    assert float(text(root, f"{box}/gmd:eastBoundLongitude/gco:Decimal")) == east
    assert float(text(root, f"{box}/gmd:southBoundLatitude/gco:Decimal")) == south
    assert float(text(root, f"{box}/gmd:northBoundLatitude/gco:Decimal")) == north
    assert 103 < west < east < 107 and 19 < south < north < 21  # Thanh Hóa, not somewhere else


def test_metadata_record_identity_language_contact_and_crs(client):
    root, detail = fetch(client, "water_quality_stations")
    meta = detail["metadata"]
    assert text(root, "gmd:fileIdentifier/gco:CharacterString").endswith("water_quality_stations")
    assert code_value(root, "gmd:language/gmd:LanguageCode") == "vie"
    assert code_value(root, "gmd:characterSet/gmd:MD_CharacterSetCode") == "utf8"
    assert code_value(root, "gmd:hierarchyLevel/gmd:MD_ScopeCode") == "dataset"
    dt.date.fromisoformat(text(root, "gmd:dateStamp/gco:Date"))
    for party in ("gmd:contact/gmd:CI_ResponsibleParty", f"{IDENT}/gmd:pointOfContact/gmd:CI_ResponsibleParty"):
        assert text(root, f"{party}/gmd:organisationName/gco:CharacterString") == meta["source_organisation"]
        assert text(root, f"{party}/gmd:positionName/gco:CharacterString") == meta["contact_name"]
        contact = f"{party}/gmd:contactInfo/gmd:CI_Contact"
        assert (
            text(root, f"{contact}/gmd:phone/gmd:CI_Telephone/gmd:voice/gco:CharacterString") == meta["contact_phone"]
        )
        email = f"{contact}/gmd:address/gmd:CI_Address/gmd:electronicMailAddress/gco:CharacterString"
        assert text(root, email) == meta["contact_email"]
        assert code_value(root, f"{party}/gmd:role/gmd:CI_RoleCode") == "pointOfContact"
    rs = "gmd:referenceSystemInfo/gmd:MD_ReferenceSystem/gmd:referenceSystemIdentifier/gmd:RS_Identifier"
    assert text(root, f"{rs}/gmd:code/gco:CharacterString") == "EPSG:4326"


def test_topic_maintenance_constraints_and_temporal_extent(client):
    root, detail = fetch(client, "water_permits")
    meta = detail["metadata"]
    assert text(root, f"{IDENT}/gmd:topicCategory/gmd:MD_TopicCategoryCode") == "inlandWaters"
    frequency = f"{IDENT}/gmd:resourceMaintenance/gmd:MD_MaintenanceInformation/gmd:maintenanceAndUpdateFrequency"
    assert code_value(root, f"{frequency}/gmd:MD_MaintenanceFrequencyCode") == meta["update_frequency"] == "continual"
    legal = f"{IDENT}/gmd:resourceConstraints/gmd:MD_LegalConstraints"
    assert text(root, f"{legal}/gmd:useLimitation/gco:CharacterString") == meta["license"]
    assert meta["access_constraints"] in texts(root, f"{legal}/gmd:otherConstraints/gco:CharacterString")
    assert code_value(root, f"{legal}/gmd:accessConstraints/gmd:MD_RestrictionCode") == "otherRestrictions"
    period = f"{IDENT}/gmd:extent/gmd:EX_Extent/gmd:temporalElement/gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod"
    assert root.find(period, NS).get(f"{{{NS['gml']}}}id")
    assert text(root, f"{period}/gml:beginPosition") == meta["temporal_start"] == "2012-01-01"
    assert meta["temporal_end"] is None
    assert root.find(f"{period}/gml:endPosition", NS).get("indeterminatePosition") == "now"


def test_lineage_and_online_resources(client, public_url):
    root, detail = fetch(client, "rivers")
    lineage = "gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:lineage/gmd:LI_Lineage/gmd:statement"
    assert text(root, f"{lineage}/gco:CharacterString") == detail["metadata"]["lineage_vi"]
    links = texts(
        root,
        "gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions"
        "/gmd:onLine/gmd:CI_OnlineResource/gmd:linkage/gmd:URL",
    )
    assert f"{public_url}/api/layers/rivers/features?limit=1000" in links
    assert f"{public_url}/tiles/rivers.json" in links
    assert f"{public_url}/api/layers/rivers" in links


def test_every_code_list_value_names_its_code_list(client):
    root, _ = fetch(client, "forest_cover")
    coded = [e for e in root.iter() if e.get("codeListValue") is not None]
    assert len(coded) >= 10
    for element in coded:
        assert element.get("codeList", "").startswith("http"), element.tag
        assert element.text == element.get("codeListValue")


def test_english_request_still_gives_the_same_document(client):
    vi = client.get("/layers/rivers/metadata.xml").data
    en = client.get("/layers/rivers/metadata.xml?lang=en").data
    assert vi == en


def test_unknown_layer_metadata_is_404(client):
    assert client.get("/layers/khong-co/metadata.xml").status_code == 404
