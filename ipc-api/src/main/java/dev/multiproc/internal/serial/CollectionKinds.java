package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The collection classes the standard serializer encodes itself, each read back as the same class:
 * <pre>
 *  kind   LIST                 SET                    MAP
 *   0     ArrayList            HashSet                HashMap
 *   1     LinkedList           LinkedHashSet          LinkedHashMap
 *   2     List.of(...)         TreeSet (natural)      TreeMap (natural)
 *   3     Arrays.asList(...)   Set.of(...)            Map.of(...)
 * </pre>
 * Exact classes only: a subclass, a sorted collection with a comparator, an unmodifiable view or an
 * immutable list holding nulls goes through Java serialization. Stateless.
 */
final class CollectionKinds {
    private static final Set<Class<?>> IMMUTABLE_LISTS = Set.copyOf(List.of(List.of().getClass(),
            List.of(1).getClass(), List.of(1, 2, 3).getClass(), Stream.of(1).toList().getClass()));
    private static final Set<Class<?>> IMMUTABLE_SETS = Set.copyOf(List.of(Set.of().getClass(), Set.of(1).getClass(),
            Set.of(1, 2, 3).getClass()));
    private static final Set<Class<?>> IMMUTABLE_MAPS = Set.copyOf(List.of(Map.of().getClass(),
            Map.of(1, 1).getClass(), Map.of(1, 1, 2, 2).getClass()));
    private static final Class<?> ARRAYS_AS_LIST = Arrays.asList(1).getClass();

    private CollectionKinds() {
    }

    /** @return the kind of the value's class, or -1 if this codec does not encode it */
    static int kindOf(Object v) {
        Class<?> c = v.getClass();
        if (c == ArrayList.class || c == HashSet.class || c == HashMap.class) {
            return 0;
        }
        if (c == LinkedList.class || c == LinkedHashSet.class || c == LinkedHashMap.class) {
            return 1;
        }
        if (c == TreeSet.class) {
            return ((SortedSet<?>) v).comparator() == null ? 2 : -1;
        }
        if (c == TreeMap.class) {
            return ((SortedMap<?, ?>) v).comparator() == null ? 2 : -1;
        }
        if (IMMUTABLE_LISTS.contains(c)) {
            return hasNull((Collection<?>) v) ? -1 : 2;
        }
        if (c == ARRAYS_AS_LIST) {
            return 3;
        }
        if (IMMUTABLE_SETS.contains(c) || IMMUTABLE_MAPS.contains(c)) {
            return 3;
        }
        return -1;
    }

    private static boolean hasNull(Collection<?> c) {
        for (Object e : c) {
            if (e == null) {
                return true;
            }
        }
        return false;
    }

    /** @return the class a kind stands for, for the serial filter */
    static Class<?> typeOf(int tag, int kind) {
        return switch (tag) {
            case CompositeCodec.LIST -> switch (kind) {
                case 0 -> ArrayList.class;
                case 1 -> LinkedList.class;
                case 2 -> List.class;
                case 3 -> ARRAYS_AS_LIST;
                default -> throw unknown(tag, kind);
            };
            case CompositeCodec.SET -> switch (kind) {
                case 0 -> HashSet.class;
                case 1 -> LinkedHashSet.class;
                case 2 -> TreeSet.class;
                case 3 -> Set.class;
                default -> throw unknown(tag, kind);
            };
            default -> switch (kind) {
                case 0 -> HashMap.class;
                case 1 -> LinkedHashMap.class;
                case 2 -> TreeMap.class;
                case 3 -> Map.class;
                default -> throw unknown(tag, kind);
            };
        };
    }

    private static SerializationException unknown(int tag, int kind) {
        return new SerializationException("corrupt value: unknown collection kind " + kind + " for type tag " + tag);
    }

    /**
     * @param values the elements, or for a map its keys and values alternately
     * @return the collection
     * @throws SerializationException if the elements do not fit the collection (duplicates in a
     *         Set.of, uncomparable elements in a TreeSet, nulls in a List.of)
     */
    static Object make(int tag, int kind, Object[] values) {
        try {
            return switch (tag) {
                case CompositeCodec.LIST -> switch (kind) {
                    case 0 -> new ArrayList<>(Arrays.asList(values));
                    case 1 -> new LinkedList<>(Arrays.asList(values));
                    case 2 -> List.of(values);
                    default -> Arrays.asList(values);
                };
                case CompositeCodec.SET -> {
                    List<Object> elements = Arrays.asList(values);
                    yield switch (kind) {
                        case 0 -> new HashSet<>(elements);
                        case 1 -> new LinkedHashSet<>(elements);
                        case 2 -> new TreeSet<>(elements);
                        default -> Set.of(values);
                    };
                }
                default -> map(kind, values);
            };
        } catch (RuntimeException e) {
            throw new SerializationException("corrupt value: " + values.length + " values do not make a "
                    + typeOf(tag, kind).getName() + ": " + e, e);
        }
    }

    private static Object map(int kind, Object[] values) {
        Map<Object, Object> map = switch (kind) {
            case 0 -> HashMap.newHashMap(values.length / 2);
            case 1 -> LinkedHashMap.newLinkedHashMap(values.length / 2);
            case 2 -> new TreeMap<>();
            default -> new LinkedHashMap<>();
        };
        for (int i = 0; i < values.length; i += 2) {
            if (map.put(values[i], values[i + 1]) != null && kind == 3) {
                throw new IllegalArgumentException("duplicate key " + values[i]);
            }
        }
        if (kind == 3) {
            @SuppressWarnings("unchecked")
            Map.Entry<Object, Object>[] entries = map.entrySet().toArray(new Map.Entry[0]);
            return Map.ofEntries(entries);
        }
        return map;
    }
}
