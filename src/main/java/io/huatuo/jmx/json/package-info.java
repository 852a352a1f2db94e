/**
 * Plain JSON and YAML trees over Jackson's streaming API: the configuration file and request bodies
 * read as maps, lists and scalars, and compact JSON text of them. No project dependencies.
 */
package io.huatuo.jmx.json;
