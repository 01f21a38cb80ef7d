"""A layer's metadata as ISO 19139 XML (gmd:MD_Metadata), built with xml.etree.ElementTree.

QCVN 42:2020/BTNMT, the Vietnamese technical regulation on geographic metadata, follows
ISO 19115, so this one profile serves both: the typed-in core comes from the catalogue's
Metadata, and the extent is the one computed from the data (layers/stats.py).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import zip_longest

from layers.catalogue import LayerDef, Metadata
from layers.stats import LayerStats

NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

CODE_LISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"
LANGUAGE_CODES = "http://www.loc.gov/standards/iso639-2/"
EN_LOCALE = "locale-en"
FILE_ID_PREFIX = "vn.thanhhoa.atlas."


@dataclass(frozen=True)
class OnlineLinks:
    """Where the layer can be fetched: absolute URLs the web app knows and the domain does not."""

    geojson: str
    tilejson: str
    page: str
    metadata_json: str


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, _q(name), {(_q(k) if ":" in k else k): v for k, v in attrs.items()})
    if text is not None:
        child.text = text
    return child


def _string(parent: ET.Element, name: str, text: str) -> ET.Element:
    wrapper = _el(parent, name)
    _el(wrapper, "gco:CharacterString", text)
    return wrapper


def _free_text(parent: ET.Element, name: str, vi: str, en: str | None) -> ET.Element:
    """A Vietnamese CharacterString with its English as a PT_FreeText alternative."""
    wrapper = _el(parent, name, **{"xsi:type": "gmd:PT_FreeText_PropertyType"})
    _el(wrapper, "gco:CharacterString", vi)
    if en:
        group = _el(_el(wrapper, "gmd:PT_FreeText"), "gmd:textGroup")
        _el(group, "gmd:LocalisedCharacterString", en, locale=f"#{EN_LOCALE}")
    return wrapper


def _code(parent: ET.Element, name: str, code_list: str, value: str) -> ET.Element:
    wrapper = _el(parent, name)
    _el(wrapper, f"gmd:{code_list}", value, codeList=f"{CODE_LISTS}#{code_list}", codeListValue=value)
    return wrapper


def _language(parent: ET.Element, name: str, value: str) -> None:
    _el(_el(parent, name), "gmd:LanguageCode", value, codeList=LANGUAGE_CODES, codeListValue=value)


def _party(parent: ET.Element, name: str, meta: Metadata) -> None:
    party = _el(_el(parent, name), "gmd:CI_ResponsibleParty")
    _string(party, "gmd:organisationName", meta.source_organisation)
    _string(party, "gmd:positionName", meta.contact_name)
    contact = _el(_el(party, "gmd:contactInfo"), "gmd:CI_Contact")
    _string(_el(_el(contact, "gmd:phone"), "gmd:CI_Telephone"), "gmd:voice", meta.contact_phone)
    _string(_el(_el(contact, "gmd:address"), "gmd:CI_Address"), "gmd:electronicMailAddress", meta.contact_email)
    _code(party, "gmd:role", "CI_RoleCode", "pointOfContact")


def _citation(parent: ET.Element, layer: LayerDef) -> None:
    citation = _el(_el(parent, "gmd:citation"), "gmd:CI_Citation")
    _free_text(citation, "gmd:title", layer.title_vi, layer.title_en)
    _string(citation, "gmd:alternateTitle", layer.title_en)
    ci_date = _el(_el(citation, "gmd:date"), "gmd:CI_Date")
    _el(_el(ci_date, "gmd:date"), "gco:Date", layer.metadata.reference_date)
    _code(ci_date, "gmd:dateType", "CI_DateTypeCode", layer.metadata.reference_date_type)
    identifier = _el(_el(citation, "gmd:identifier"), "gmd:MD_Identifier")
    _string(identifier, "gmd:code", layer.id)


def _keywords(parent: ET.Element, meta: Metadata) -> None:
    keywords = _el(_el(parent, "gmd:descriptiveKeywords"), "gmd:MD_Keywords")
    for vi, en in zip_longest(meta.keywords_vi, meta.keywords_en):
        _free_text(keywords, "gmd:keyword", vi or en, en if vi else None)
    _code(keywords, "gmd:type", "MD_KeywordTypeCode", "theme")


def _constraints(parent: ET.Element, meta: Metadata) -> None:
    legal = _el(_el(parent, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
    _string(legal, "gmd:useLimitation", meta.license)
    _code(legal, "gmd:accessConstraints", "MD_RestrictionCode", "otherRestrictions")
    _code(legal, "gmd:useConstraints", "MD_RestrictionCode", "license")
    _string(legal, "gmd:otherConstraints", meta.license)
    _string(legal, "gmd:otherConstraints", meta.access_constraints)


def _extent(parent: ET.Element, layer: LayerDef, stats: LayerStats) -> None:
    extent = _el(_el(parent, "gmd:extent"), "gmd:EX_Extent")
    if stats.bbox is not None:
        box = _el(_el(extent, "gmd:geographicElement"), "gmd:EX_GeographicBoundingBox")
        west, south, east, north = stats.bbox
        for name, value in (("west", west), ("east", east), ("south", south), ("north", north)):
            kind = "Longitude" if name in ("west", "east") else "Latitude"
            _el(_el(box, f"gmd:{name}Bound{kind}"), "gco:Decimal", repr(float(value)))
    meta = layer.metadata
    temporal = _el(_el(extent, "gmd:temporalElement"), "gmd:EX_TemporalExtent")
    period = _el(_el(temporal, "gmd:extent"), "gml:TimePeriod", **{"gml:id": f"period-{layer.id}"})
    _el(period, "gml:beginPosition", meta.temporal_start)
    if meta.temporal_end:
        _el(period, "gml:endPosition", meta.temporal_end)
    else:
        _el(period, "gml:endPosition", indeterminatePosition="now")


def _identification(root: ET.Element, layer: LayerDef, stats: LayerStats) -> None:
    meta = layer.metadata
    ident = _el(_el(root, "gmd:identificationInfo"), "gmd:MD_DataIdentification")
    _citation(ident, layer)
    _free_text(ident, "gmd:abstract", meta.abstract_vi, meta.abstract_en)
    _party(ident, "gmd:pointOfContact", meta)
    maintenance = _el(_el(ident, "gmd:resourceMaintenance"), "gmd:MD_MaintenanceInformation")
    _code(maintenance, "gmd:maintenanceAndUpdateFrequency", "MD_MaintenanceFrequencyCode", meta.update_frequency)
    _keywords(ident, meta)
    _constraints(ident, meta)
    _code(ident, "gmd:spatialRepresentationType", "MD_SpatialRepresentationTypeCode", "vector")
    _language(ident, "gmd:language", meta.language)
    _code(ident, "gmd:characterSet", "MD_CharacterSetCode", "utf8")
    # MD_TopicCategoryCode is an enumeration, not a code list: it has no codeList attribute.
    _el(_el(ident, "gmd:topicCategory"), "gmd:MD_TopicCategoryCode", meta.topic_category)
    _extent(ident, layer, stats)


def _online(parent: ET.Element, url: str, protocol: str, name: str, description: str) -> None:
    resource = _el(_el(parent, "gmd:onLine"), "gmd:CI_OnlineResource")
    _el(_el(resource, "gmd:linkage"), "gmd:URL", url)
    _string(resource, "gmd:protocol", protocol)
    _string(resource, "gmd:name", name)
    _string(resource, "gmd:description", description)


def _distribution(root: ET.Element, links: OnlineLinks) -> None:
    distribution = _el(_el(root, "gmd:distributionInfo"), "gmd:MD_Distribution")
    for format_name in ("GeoJSON", "Mapbox Vector Tiles"):
        fmt = _el(_el(distribution, "gmd:distributionFormat"), "gmd:MD_Format")
        _string(fmt, "gmd:name", format_name)
        _el(_el(fmt, "gmd:version"), "gco:CharacterString", "2.1" if format_name.startswith("Mapbox") else "RFC 7946")
    options = _el(_el(distribution, "gmd:transferOptions"), "gmd:MD_DigitalTransferOptions")
    _online(options, links.geojson, "WWW:LINK", "GeoJSON", "Đối tượng dạng GeoJSON / Features as GeoJSON")
    _online(options, links.tilejson, "WWW:LINK", "TileJSON", "Ô bản đồ vector / Vector tiles (TileJSON 3.0.0)")
    _online(options, links.metadata_json, "WWW:LINK", "JSON", "Siêu dữ liệu JSON / Metadata as JSON")
    _online(options, links.page, "WWW:LINK", "HTML", "Trang lớp dữ liệu / Layer page")


def _quality(root: ET.Element, meta: Metadata) -> None:
    quality = _el(_el(root, "gmd:dataQualityInfo"), "gmd:DQ_DataQuality")
    _code(_el(_el(quality, "gmd:scope"), "gmd:DQ_Scope"), "gmd:level", "MD_ScopeCode", "dataset")
    lineage = _el(_el(quality, "gmd:lineage"), "gmd:LI_Lineage")
    _free_text(lineage, "gmd:statement", meta.lineage_vi, meta.lineage_en)


def _date_stamp(layer: LayerDef, stats: LayerStats) -> str:
    # The metadata is as new as the newer of its reference date and the last edit of the data.
    changed = stats.data_changed_at.date() if stats.data_changed_at else None
    reference = dt.date.fromisoformat(layer.metadata.reference_date)
    return max(d for d in (changed, reference) if d is not None).isoformat()


def metadata_document(layer: LayerDef, stats: LayerStats, links: OnlineLinks) -> bytes:
    """The layer's metadata as an ISO 19139 gmd:MD_Metadata document (UTF-8 bytes with declaration)."""
    meta = layer.metadata
    root = ET.Element(_q("gmd:MD_Metadata"))
    _string(root, "gmd:fileIdentifier", FILE_ID_PREFIX + layer.id)
    _language(root, "gmd:language", meta.language)
    _code(root, "gmd:characterSet", "MD_CharacterSetCode", "utf8")
    _code(root, "gmd:hierarchyLevel", "MD_ScopeCode", "dataset")
    _party(root, "gmd:contact", meta)
    _el(_el(root, "gmd:dateStamp"), "gco:Date", _date_stamp(layer, stats))
    _string(root, "gmd:metadataStandardName", "ISO 19115:2003/19139 (QCVN 42:2020/BTNMT)")
    _string(root, "gmd:metadataStandardVersion", "1.0")
    locale = _el(_el(root, "gmd:locale"), "gmd:PT_Locale", id=EN_LOCALE)
    _language(locale, "gmd:languageCode", "eng")
    _code(locale, "gmd:characterEncoding", "MD_CharacterSetCode", "utf8")
    reference = _el(_el(root, "gmd:referenceSystemInfo"), "gmd:MD_ReferenceSystem")
    identifier = _el(_el(reference, "gmd:referenceSystemIdentifier"), "gmd:RS_Identifier")
    _string(identifier, "gmd:code", meta.crs)
    _string(identifier, "gmd:codeSpace", "EPSG")
    _identification(root, layer, stats)
    _distribution(root, links)
    _quality(root, meta)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
