package main

// Behaviour that differs from stock govmomi 0.24 vcsim, installed by
// replacing singleton managed objects in simulator.Map with wrapper types.

import (
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// authPropertyCollector rejects RetrieveProperties(Ex) without a valid
// session, as a real vCenter does. Stock vcsim answers such calls with a
// missingSet per property instead, which hides expired sessions from clients.
//
// It embeds simulator.PropertyCollector by value: vcsim clones the singleton
// per session with reflect.New(type), so the wrapper type is kept.
type authPropertyCollector struct {
	simulator.PropertyCollector
}

func notAuthenticated(this types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault("The session is not authenticated.", &types.NotAuthenticated{
		NoPermission: types.NoPermission{Object: this, PrivilegeId: "System.View"},
	})
}

func (pc *authPropertyCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	if ctx.Session == nil {
		return &methods.RetrievePropertiesExBody{Fault_: notAuthenticated(r.This)}
	}
	return pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
}

func (pc *authPropertyCollector) RetrieveProperties(ctx *simulator.Context, r *types.RetrieveProperties) soap.HasFault {
	if ctx.Session == nil {
		return &methods.RetrievePropertiesBody{Fault_: notAuthenticated(r.This)}
	}
	return pc.PropertyCollector.RetrieveProperties(ctx, r)
}

// storageResourceManager fixes ConfigureStorageDrsForPod_Task: stock vcsim
// ignores spec.vmConfigSpec and files the task under the manager. Here VM
// overrides are added/edited/removed (keyed by vm) and the task entity is the
// pod.
type storageResourceManager struct {
	simulator.StorageResourceManager
}

func (m *storageResourceManager) ConfigureStorageDrsForPodTask(ctx *simulator.Context, req *types.ConfigureStorageDrsForPod_Task) soap.HasFault {
	body := new(methods.ConfigureStorageDrsForPod_TaskBody)

	pod, ok := simulator.Map.Get(req.Pod).(*simulator.StoragePod)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: req.Pod})
		return body
	}

	task := simulator.CreateTask(pod, "configureStorageDrsForPod", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		var fault types.BaseMethodFault
		simulator.Map.WithLock(pod, func() {
			fault = applyStorageDrsSpec(pod, &req.Spec)
		})
		return nil, fault
	})
	// vSphere reports this task as a StorageResourceManager method on the pod.
	simulator.Map.WithLock(task, func() {
		task.Info.DescriptionId = "StorageResourceManager.configureStorageDrsForPod"
		task.Info.EntityName = pod.Name
	})

	body.Res = &types.ConfigureStorageDrsForPod_TaskResponse{Returnval: task.Run()}
	return body
}

func applyStorageDrsSpec(pod *simulator.StoragePod, spec *types.StorageDrsConfigSpec) types.BaseMethodFault {
	if pod.PodStorageDrsEntry == nil {
		pod.PodStorageDrsEntry = new(types.PodStorageDrsEntry)
	}
	entry := *pod.PodStorageDrsEntry
	cfg := &entry.StorageDrsConfig

	if s := spec.PodConfigSpec; s != nil {
		pc := &cfg.PodConfig
		if s.Enabled != nil {
			pc.Enabled = *s.Enabled
		}
		if s.IoLoadBalanceEnabled != nil {
			pc.IoLoadBalanceEnabled = *s.IoLoadBalanceEnabled
		}
		if s.DefaultVmBehavior != "" {
			pc.DefaultVmBehavior = s.DefaultVmBehavior
		}
		if s.LoadBalanceInterval != 0 {
			pc.LoadBalanceInterval = s.LoadBalanceInterval
		}
		if s.DefaultIntraVmAffinity != nil {
			pc.DefaultIntraVmAffinity = s.DefaultIntraVmAffinity
		}
		if s.AutomationOverrides != nil {
			pc.AutomationOverrides = s.AutomationOverrides
		}
	}

	vmConfig := append([]types.StorageDrsVmConfigInfo(nil), cfg.VmConfig...)
	find := func(vm *types.ManagedObjectReference) int {
		for i := range vmConfig {
			if vm != nil && vmConfig[i].Vm != nil && *vmConfig[i].Vm == *vm {
				return i
			}
		}
		return -1
	}

	for _, s := range spec.VmConfigSpec {
		info := s.Info
		op := types.ArrayUpdateOperation(s.Operation)
		if info == nil {
			if op == types.ArrayUpdateOperationRemove && s.RemoveKey != nil {
				ref, ok := s.RemoveKey.(types.ManagedObjectReference)
				if !ok {
					return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.removeKey"}
				}
				info = &types.StorageDrsVmConfigInfo{Vm: &ref}
			} else {
				return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.info"}
			}
		}
		if info.Vm == nil {
			return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.info.vm"}
		}
		if _, ok := simulator.Map.Get(*info.Vm).(*simulator.VirtualMachine); !ok {
			return &types.ManagedObjectNotFound{Obj: *info.Vm}
		}
		i := find(info.Vm)

		switch op {
		case types.ArrayUpdateOperationAdd:
			if i >= 0 {
				return &types.InvalidArgument{InvalidProperty: fmt.Sprintf("vmConfigSpec.info.vm (%s already has an override)", info.Vm.Value)}
			}
			vmConfig = append(vmConfig, *info)
		case types.ArrayUpdateOperationEdit:
			if i < 0 {
				return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.info.vm (no override to edit)"}
			}
			cur := &vmConfig[i]
			if info.Enabled != nil {
				cur.Enabled = info.Enabled
			}
			if info.Behavior != "" {
				cur.Behavior = info.Behavior
			}
			if info.IntraVmAffinity != nil {
				cur.IntraVmAffinity = info.IntraVmAffinity
			}
			if info.IntraVmAntiAffinity != nil {
				cur.IntraVmAntiAffinity = info.IntraVmAntiAffinity
			}
			if info.VirtualDiskRules != nil {
				cur.VirtualDiskRules = info.VirtualDiskRules
			}
		case types.ArrayUpdateOperationRemove:
			if i < 0 {
				return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.info.vm (no override to remove)"}
			}
			vmConfig = append(vmConfig[:i], vmConfig[i+1:]...)
		default:
			return &types.InvalidArgument{InvalidProperty: "vmConfigSpec.operation"}
		}
	}
	cfg.VmConfig = vmConfig

	simulator.Map.Update(pod, []types.PropertyChange{{Name: "podStorageDrsEntry", Val: &entry}})
	return nil
}

// installOverrides swaps the wrapper types into the registry.
func installOverrides() {
	si := simulator.Map.Get(serviceInstanceRef).(*simulator.ServiceInstance)

	pc := &authPropertyCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)

	if si.Content.ViewManager != nil {
		orig := simulator.Map.Get(*si.Content.ViewManager).(*simulator.ViewManager)
		simulator.Map.Put(&viewManager{ViewManager: *orig})
	}

	if si.Content.AuthorizationManager != nil {
		orig := simulator.Map.Get(*si.Content.AuthorizationManager).(*simulator.AuthorizationManager)
		simulator.Map.Put(&authorizationManager{AuthorizationManager: *orig})
	}

	if si.Content.StorageResourceManager != nil {
		srm := &storageResourceManager{}
		srm.Self = *si.Content.StorageResourceManager
		simulator.Map.Put(srm)
	}
}

var serviceInstanceRef = types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}

// viewManager makes recursive ContainerViews descend into StoragePods, as
// vCenter does (a pod is a Folder of datastores); stock vcsim stops at the pod,
// so datastores in a datastore cluster were invisible to a ContainerView.
type viewManager struct {
	simulator.ViewManager
}

func (m *viewManager) CreateContainerView(ctx *simulator.Context, req *types.CreateContainerView) soap.HasFault {
	res := m.ViewManager.CreateContainerView(ctx, req)
	body, ok := res.(*methods.CreateContainerViewBody)
	if !ok || body.Res == nil || !req.Recursive || !wantsDatastores(req.Type) {
		return res
	}
	view, ok := ctx.Session.Get(body.Res.Returnval).(*simulator.ContainerView)
	if !ok {
		return res
	}
	seen := make(map[types.ManagedObjectReference]bool, len(view.View))
	for _, ref := range view.View {
		seen[ref] = true
	}
	for _, e := range simulator.Map.All("StoragePod") {
		pod := e.(*simulator.StoragePod)
		if !isUnder(pod.Self, req.Container) {
			continue
		}
		for _, child := range pod.ChildEntity {
			if !seen[child] {
				seen[child] = true
				view.View = append(view.View, child)
			}
		}
	}
	return res
}

func wantsDatastores(kinds []string) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, k := range kinds {
		if k == "Datastore" || k == "ManagedEntity" {
			return true
		}
	}
	return false
}

// isUnder reports whether ref is container or one of its descendants.
func isUnder(ref, container types.ManagedObjectReference) bool {
	for i := 0; i < 64; i++ {
		if ref == container {
			return true
		}
		e, ok := simulator.Map.Get(ref).(mo.Entity)
		if !ok || e.Entity().Parent == nil {
			return false
		}
		ref = *e.Entity().Parent
	}
	return false
}

// authorizationManager answers HasUserPrivilegeOnEntities from the permissions
// actually set, as vCenter does; stock vcsim grants every privilege to anyone.
// A user's privileges on an entity come from the nearest permission naming
// that user, on the entity itself or (when it propagates) on an ancestor;
// System.Anonymous, System.View and System.Read come with any role. Groups
// are not resolved (the simulator has no directory).
type authorizationManager struct {
	simulator.AuthorizationManager
}

func (m *authorizationManager) userPrivileges(entity types.ManagedObjectReference, user string) map[string]bool {
	granted := map[string]bool{}
	res := m.AuthorizationManager.RetrieveEntityPermissions(&types.RetrieveEntityPermissions{Entity: entity, Inherited: true})
	body, ok := res.(*methods.RetrieveEntityPermissionsBody)
	if !ok || body.Res == nil {
		return granted
	}
	for _, p := range body.Res.Returnval {
		if p.Group || !strings.EqualFold(p.Principal, user) {
			continue
		}
		if p.Entity != nil && *p.Entity != entity && !p.Propagate {
			continue
		}
		for _, role := range m.RoleList {
			if role.RoleId == p.RoleId {
				for _, id := range role.Privilege {
					granted[id] = true
				}
			}
		}
		for _, id := range []string{"System.Anonymous", "System.View", "System.Read"} {
			if p.RoleId != -5 { // NoAccess
				granted[id] = true
			}
		}
		break // the nearest permission wins
	}
	return granted
}

func (m *authorizationManager) HasUserPrivilegeOnEntities(req *types.HasUserPrivilegeOnEntities) soap.HasFault {
	var out []types.EntityPrivilege
	for _, e := range req.Entities {
		granted := m.userPrivileges(e, req.UserName)
		priv := types.EntityPrivilege{Entity: e}
		for _, id := range req.PrivId {
			priv.PrivAvailability = append(priv.PrivAvailability, types.PrivilegeAvailability{PrivId: id, IsGranted: granted[id]})
		}
		out = append(out, priv)
	}
	return &methods.HasUserPrivilegeOnEntitiesBody{Res: &types.HasUserPrivilegeOnEntitiesResponse{Returnval: out}}
}
