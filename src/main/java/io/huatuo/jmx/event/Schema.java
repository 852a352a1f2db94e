package io.huatuo.jmx.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tracer's field schema: the tracer's own fields (nested under {@code tracer_data} in the record),
 * plus the shared envelope. Every surface (record JSON, LastEvent, notification) is rendered from it.
 * Immutable and thread-safe.
 */
public final class Schema {
    private final String tracer;
    private final List<Field> fields;
    private final Map<String, Field> byName;
    private final Map<String, Integer> ownIndex = new HashMap<>(); // tracer fields only: set() looks up here
    private final int[] summaryOrder; // positions in fields(), headline first
    private final String[] flatNames; // byName's keys: the envelope, then the tracer's fields

    public Schema(String tracer, List<Field> fields) {
        this(tracer, fields, List.of());
    }

    private Schema(String tracer, List<Field> fields, List<String> headline) {
        this.tracer = tracer;
        this.fields = List.copyOf(fields);
        Map<String, Field> map = new LinkedHashMap<>();
        for (Field f : Envelope.FIELDS) {
            map.put(f.name(), f);
        }
        for (Field f : this.fields) {
            if (map.put(f.name(), f) != null) {
                throw new IllegalArgumentException(tracer + ": duplicate field " + f.name());
            }
        }
        this.byName = Collections.unmodifiableMap(map);
        this.flatNames = map.keySet().toArray(String[]::new);
        for (int i = 0; i < this.fields.size(); i++) {
            ownIndex.put(this.fields.get(i).name(), i);
        }
        this.summaryOrder = new int[this.fields.size()];
        java.util.Set<Integer> placed = new java.util.LinkedHashSet<>();
        for (String h : headline) {
            Integer i = ownIndex.get(h);
            if (i == null || !placed.add(i)) {
                throw new IllegalArgumentException(tracer + ": headline field " + h + " unknown or given twice");
            }
        }
        for (int i = 0; i < this.fields.size(); i++) {
            placed.add(i);
        }
        int n = 0;
        for (int i : placed) {
            summaryOrder[n++] = i;
        }
    }

    /**
     * The same schema whose one-line summary (notification message, console) starts with these
     * fields, in this order: what an operator triages on (reason, stage, victim), then addresses.
     * The record and LastEvent keep the fields' own order.
     */
    public Schema headline(String... fieldNames) {
        return new Schema(tracer, fields, List.of(fieldNames));
    }

    /** Positions in {@link #fields()} in summary order: the headline fields, then the rest in order. */
    int[] summaryOrder() {
        return summaryOrder;
    }

    public String tracer() {
        return tracer;
    }

    /** The tracer's own fields, in record order. */
    public List<Field> fields() {
        return fields;
    }

    /** Envelope then tracer fields: the flat layout of LastEvent and notifications. */
    public List<Field> flatFields() {
        return new ArrayList<>(byName.values());
    }

    /** The names of {@link #flatFields()}, in that order (a copy). */
    public String[] flatNames() {
        return flatNames.clone();
    }

    public Field field(String name) {
        int i = indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(tracer + ": no field named " + name);
        }
        return fields.get(i);
    }

    /** Position of a tracer field in {@link #fields()}, -1 if there is none of that name. */
    int indexOf(String name) {
        Integer i = ownIndex.get(name);
        return i == null ? -1 : i;
    }
}
