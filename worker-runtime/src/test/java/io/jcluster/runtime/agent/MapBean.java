package io.jcluster.runtime.agent;

import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;

/**
 * A fake server MBean over a map, with the attribute names exactly as given (as Tomcat's modeler
 * registers them: lower-case). Writable or read-only; a write goes to the map, so a test sees it.
 */
final class MapBean implements DynamicMBean {
    private final Map<String, Object> attributes;
    private final boolean writable;

    private MapBean(Map<String, Object> attributes, boolean writable) {
        this.attributes = attributes;
        this.writable = writable;
    }

    static MapBean readOnly(Map<String, Object> attributes) {
        return new MapBean(attributes, false);
    }

    static MapBean writable(Map<String, Object> attributes) {
        return new MapBean(attributes, true);
    }

    @Override
    public Object getAttribute(String name) throws AttributeNotFoundException {
        Object value = attributes.get(name);
        if (value == null) throw new AttributeNotFoundException(name);
        return value;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        if (!writable) throw new UnsupportedOperationException("read-only: " + attribute.getName());
        if (!attributes.containsKey(attribute.getName())) throw new AttributeNotFoundException(attribute.getName());
        attributes.put(attribute.getName(), attribute.getValue());
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        AttributeList list = new AttributeList();
        for (String n : names) {
            if (attributes.containsKey(n)) list.add(new Attribute(n, attributes.get(n)));
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList list) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) {
        throw new UnsupportedOperationException(action);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanAttributeInfo[] infos = attributes.entrySet().stream()
                .map(e -> new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(), e.getKey(), true, writable, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(MapBean.class.getName(), "fake server bean", infos, null, null, null);
    }
}
